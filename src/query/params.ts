/** Collects bind parameters; `add` returns the `$n` placeholder for the value. */
export class Params {
  readonly values: unknown[] = []

  add (value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}
