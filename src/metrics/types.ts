/** The metric model every stage shares: samples grouped into families, as in text format 0.0.4. */

export type MetricType = 'gauge' | 'counter' | 'untyped' | 'histogram' | 'summary';

export type Labels = Readonly<Record<string, string>>;

/** One line of exposition text: a series name (e.g. `x_bucket` for a histogram `x`), labels and a value. */
export interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly samples: readonly Sample[];
}
