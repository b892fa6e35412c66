/** Messages between OnnxRanker (main thread) and its onnx-worker threads. */
export interface OnnxWorkerData {
  readonly modelPath: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly featureCount: number;
  readonly intraOpThreads: number;
}

export interface ScoreRequest {
  readonly id: number;
  /** row-major float32, transferred */
  readonly features: ArrayBuffer;
  readonly rows: number;
}

export type ScoreReply =
  | { readonly id: number; readonly scores: ArrayBuffer; readonly error?: undefined }
  | { readonly id: number; readonly error: string; readonly scores?: undefined };
