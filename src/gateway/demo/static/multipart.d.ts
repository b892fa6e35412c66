// Types of multipart.js for the TypeScript tests; the page loads the .js as is.
export interface MultipartPart {
  readonly headers: Record<string, string>;
  readonly body: string;
}
export function boundaryOf(contentType: string | null): string | null;
export function createMultipartParser(boundary: string, onPart: (part: MultipartPart) => void): { readonly closed: boolean; push(text: string): void };
export function readPayloads(response: Response): AsyncGenerator<any, void, undefined>;
