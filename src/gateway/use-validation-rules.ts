import type { ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Adds validation rules to every validated (free-text) operation. Persisted ones skip validation. */
export function useValidationRules(rules: readonly ValidationRule[]): Plugin {
  return {
    onValidate({ addValidationRule }) {
      for (const rule of rules) addValidationRule(rule);
    },
  };
}
