/** Command-line options of the load suite: `--name value` and `--name=value` both work. */
export class Args {
  constructor (private readonly argv: string[] = process.argv.slice(2)) {}

  string (name: string): string | undefined {
    for (let i = 0; i < this.argv.length; i++) {
      const a = this.argv[i]!
      if (a === `--${name}`) return this.argv[i + 1]
      if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3)
    }
    return undefined
  }

  number (name: string, def: number): number {
    const raw = this.string(name)
    if (raw === undefined) return def
    const n = Number(raw)
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${raw}"`)
    return n
  }

  list (name: string): string[] | undefined {
    const raw = this.string(name)
    return raw === undefined ? undefined : raw.split(',').map((s) => s.trim()).filter((s) => s !== '')
  }

  flag (name: string): boolean {
    return this.argv.includes(`--${name}`)
  }

  /** Arguments that are not options or option values. */
  positional (): string[] {
    const out: string[] = []
    for (let i = 0; i < this.argv.length; i++) {
      const a = this.argv[i]!
      if (a.startsWith('--')) {
        if (!a.includes('=') && i + 1 < this.argv.length && !this.argv[i + 1]!.startsWith('--') && !BOOLEAN.has(a.slice(2))) i++
        continue
      }
      out.push(a)
    }
    return out
  }
}

const BOOLEAN = new Set(['help', 'serve', 'json'])
