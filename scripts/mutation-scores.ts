/**
 * Prints the per-file table of README.md's "Mutation testing" section from the last `npm run mutation`
 * (reports/mutation/mutation.json), so updating the README is a copy and paste.
 * Score as Stryker computes it: detected (killed + timed out) / (detected + survived + no coverage).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'

const report = path.resolve(__dirname, '..', 'reports', 'mutation', 'mutation.json')

type Counts = { killed: number; timeout: number; survived: number; noCoverage: number }
type Report = { files: Record<string, { mutants: { status: string }[] }> }

const isReport = (value: unknown): value is Report =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { files?: unknown }).files === 'object' &&
  (value as { files?: unknown }).files !== null

const countsOf = (statuses: string[]): Counts => ({
  killed: statuses.filter((s) => s === 'Killed').length,
  timeout: statuses.filter((s) => s === 'Timeout').length,
  survived: statuses.filter((s) => s === 'Survived').length,
  noCoverage: statuses.filter((s) => s === 'NoCoverage').length,
})

const row = (name: string, c: Counts): string => {
  const detected = c.killed + c.timeout
  const valid = detected + c.survived + c.noCoverage
  const score = valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(1)} %`
  return `| ${name} | ${score} | ${c.killed} | ${c.timeout} | ${c.survived} | ${c.noCoverage} |`
}

const main = (): void => {
  if (!fs.existsSync(report)) throw new Error(`${path.relative(process.cwd(), report)} not found: run \`npm run mutation\` first`)
  const parsed: unknown = JSON.parse(fs.readFileSync(report, 'utf8'))
  if (!isReport(parsed)) throw new Error(`${report} is not a Stryker JSON report`)
  const files = Object.entries(parsed.files).sort(([a], [b]) => a.localeCompare(b))
  const all: string[] = []
  const lines = ['| File | Score | Killed | Timed out | Survived | No coverage |', '|---|---|---|---|---|---|']
  for (const [file, { mutants }] of files) {
    const statuses = mutants.map((m) => m.status)
    all.push(...statuses)
    lines.push(row(`\`${file}\``, countsOf(statuses)))
  }
  lines.push(row('**all**', countsOf(all)))
  console.log(lines.join('\n'))
}

main()
