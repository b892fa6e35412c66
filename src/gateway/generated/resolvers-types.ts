import type { GraphQLResolveInfo } from 'graphql';
import type { FeedPlan } from '../../pipeline/feed-plan.ts';
import type { RankingResult, RankedItem } from '../../pipeline/ranking-result.ts';
import type { CatalogItem } from '../../ports/catalog.ts';
import type { Viewer as ViewerIdentity } from '../identity.ts';
import type { RequestContext } from '../request-context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
};

export type CandidateSource =
  /** Nearest items to the user's embedding in the candidate index. */
  | 'ANN'
  /** A list computed offline for this (head) user. */
  | 'PRECOMPUTED'
  /** Nearest items to the user's embedding blended with the live session vector. */
  | 'SESSION'
  /** Trending items: the cold-start answer. */
  | 'TRENDING';

export type DegradedReason =
  | 'BACKEND_UNAVAILABLE'
  | 'CIRCUIT_OPEN'
  /** No taste is known for this viewer yet: the answer is not personalized. */
  | 'COLD_START'
  | 'DEADLINE_EXCEEDED'
  | 'OVERLOADED';

export type EventType =
  | 'ADD_TO_CART'
  | 'CLICK'
  | 'PURCHASE'
  | 'RATE'
  | 'VIEW';

export type Feed = {
  __typename?: 'Feed';
  /** Fast first pass from candidate generation alone. Never waits on a model. */
  coarse: Ranking;
  /** Candidates re-ranked by the ranking model within the surface's latency budget. Ask for it under @defer. */
  refined: Ranking;
  surface: Surface;
  viewer: Viewer;
};

export type Item = {
  __typename?: 'Item';
  genres: Array<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** Share of interactions, log-scaled to [0, 1]. */
  popularity: Scalars['Float']['output'];
  title: Scalars['String']['output'];
  year: Maybe<Scalars['Int']['output']>;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Records what the viewer did; the next feed reflects it. */
  recordEvent: RecordEventResult;
};


export type MutationRecordEventArgs = {
  input: SessionEventInput;
};

export type Query = {
  __typename?: 'Query';
  /** Personalized feed for the viewer. The viewer comes from the request, never from an argument. */
  feed: Feed;
  /** One catalog item; null (with an ITEM_NOT_FOUND error) when the id is unknown. */
  item: Maybe<Item>;
  /** Most interacted-with items right now, decayed over time. Not personalized. */
  trending: Array<Recommendation>;
};


export type QueryFeedArgs = {
  first?: Scalars['Int']['input'];
  surface?: Surface;
};


export type QueryItemArgs = {
  id: Scalars['ID']['input'];
};


export type QueryTrendingArgs = {
  first?: Scalars['Int']['input'];
};

export type Ranking = {
  __typename?: 'Ranking';
  degraded: Scalars['Boolean']['output'];
  degradedReason: Maybe<DegradedReason>;
  items: Array<Recommendation>;
  /** Time from the start of the feed to this ranking, in milliseconds. */
  latencyMs: Scalars['Float']['output'];
  /** name@version of the model that scored this ranking; null when no model did. */
  model: Maybe<Scalars['String']['output']>;
  source: CandidateSource;
  stage: RankingStage;
};

export type RankingStage =
  | 'COARSE'
  | 'REFINED';

export type Recommendation = {
  __typename?: 'Recommendation';
  /** Why this item is here, in words. Computed only when selected. */
  explanation: Maybe<Scalars['String']['output']>;
  item: Item;
  /** 1-based. */
  position: Scalars['Int']['output'];
  /** Retrieval score for COARSE, model score for REFINED, decayed count for trending. */
  score: Scalars['Float']['output'];
};

export type RecordEventResult = {
  __typename?: 'RecordEventResult';
  accepted: Scalars['Boolean']['output'];
  eventId: Maybe<Scalars['ID']['output']>;
};

export type SessionEventInput = {
  itemId: Scalars['ID']['input'];
  /** ISO-8601 time of the event; defaults to now. At most 24 h in the past and 5 min in the future. */
  occurredAt?: InputMaybe<Scalars['String']['input']>;
  type: EventType;
};

/** Where the feed is shown; each surface has its own latency budget. */
export type Surface =
  | 'CHECKOUT'
  | 'HOME'
  | 'ITEM_DETAIL'
  | 'SEARCH';

export type Viewer = {
  __typename?: 'Viewer';
  anonymous: Scalars['Boolean']['output'];
  /** The user id, or the anonymous session id; empty for an anonymous viewer with no session. */
  id: Scalars['ID']['output'];
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CandidateSource: CandidateSource;
  DegradedReason: DegradedReason;
  EventType: EventType;
  Feed: ResolverTypeWrapper<FeedPlan>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Item: ResolverTypeWrapper<CatalogItem>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Ranking: ResolverTypeWrapper<RankingResult>;
  RankingStage: RankingStage;
  Recommendation: ResolverTypeWrapper<RankedItem>;
  RecordEventResult: ResolverTypeWrapper<RecordEventResult>;
  SessionEventInput: SessionEventInput;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Surface: Surface;
  Viewer: ResolverTypeWrapper<ViewerIdentity>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Boolean: Scalars['Boolean']['output'];
  Feed: FeedPlan;
  Float: Scalars['Float']['output'];
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Item: CatalogItem;
  Mutation: Record<PropertyKey, never>;
  Query: Record<PropertyKey, never>;
  Ranking: RankingResult;
  Recommendation: RankedItem;
  RecordEventResult: RecordEventResult;
  SessionEventInput: SessionEventInput;
  String: Scalars['String']['output'];
  Viewer: ViewerIdentity;
};

export type DeferDirectiveArgs = {
  if?: Scalars['Boolean']['input'];
  label?: Maybe<Scalars['String']['input']>;
};

export type DeferDirectiveResolver<Result, Parent, ContextType = RequestContext, Args = DeferDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type StreamDirectiveArgs = {
  if?: Scalars['Boolean']['input'];
  initialCount?: Maybe<Scalars['Int']['input']>;
  label?: Maybe<Scalars['String']['input']>;
};

export type StreamDirectiveResolver<Result, Parent, ContextType = RequestContext, Args = StreamDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type FeedResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Feed'] = ResolversParentTypes['Feed']> = {
  coarse?: Resolver<ResolversTypes['Ranking'], ParentType, ContextType>;
  refined?: Resolver<ResolversTypes['Ranking'], ParentType, ContextType>;
  surface?: Resolver<ResolversTypes['Surface'], ParentType, ContextType>;
  viewer?: Resolver<ResolversTypes['Viewer'], ParentType, ContextType>;
};

export type ItemResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Item'] = ResolversParentTypes['Item']> = {
  genres?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  popularity?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  year?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
};

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  recordEvent?: Resolver<ResolversTypes['RecordEventResult'], ParentType, ContextType, RequireFields<MutationRecordEventArgs, 'input'>>;
};

export type QueryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  feed?: Resolver<ResolversTypes['Feed'], ParentType, ContextType, RequireFields<QueryFeedArgs, 'first' | 'surface'>>;
  item?: Resolver<Maybe<ResolversTypes['Item']>, ParentType, ContextType, RequireFields<QueryItemArgs, 'id'>>;
  trending?: Resolver<Array<ResolversTypes['Recommendation']>, ParentType, ContextType, RequireFields<QueryTrendingArgs, 'first'>>;
};

export type RankingResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Ranking'] = ResolversParentTypes['Ranking']> = {
  degraded?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  degradedReason?: Resolver<Maybe<ResolversTypes['DegradedReason']>, ParentType, ContextType>;
  items?: Resolver<Array<ResolversTypes['Recommendation']>, ParentType, ContextType>;
  latencyMs?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  model?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  source?: Resolver<ResolversTypes['CandidateSource'], ParentType, ContextType>;
  stage?: Resolver<ResolversTypes['RankingStage'], ParentType, ContextType>;
};

export type RecommendationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Recommendation'] = ResolversParentTypes['Recommendation']> = {
  explanation?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  item?: Resolver<ResolversTypes['Item'], ParentType, ContextType>;
  position?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  score?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type RecordEventResultResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['RecordEventResult'] = ResolversParentTypes['RecordEventResult']> = {
  accepted?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  eventId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
};

export type ViewerResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Viewer'] = ResolversParentTypes['Viewer']> = {
  anonymous?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type Resolvers<ContextType = RequestContext> = {
  Feed?: FeedResolvers<ContextType>;
  Item?: ItemResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Ranking?: RankingResolvers<ContextType>;
  Recommendation?: RecommendationResolvers<ContextType>;
  RecordEventResult?: RecordEventResultResolvers<ContextType>;
  Viewer?: ViewerResolvers<ContextType>;
};

export type DirectiveResolvers<ContextType = RequestContext> = {
  defer?: DeferDirectiveResolver<any, any, ContextType>;
  stream?: StreamDirectiveResolver<any, any, ContextType>;
};
