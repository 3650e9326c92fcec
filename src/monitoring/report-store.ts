/**
 * Stored performance reports (sql/013): the weekly schedule's, kept across restarts and past the
 * roll-ups' retention. `GET /admin/reports` lists them, `GET /admin/reports/:id` renders one.
 */
import type pg from 'pg'
import type { PerformanceReport } from './report.js'

export const KEEP_REPORTS = 104

export interface StoredReportSummary { id: number; period: string; generatedAt: string; instance: string }

export async function saveReport (pool: pg.Pool, report: PerformanceReport, instance: string): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(
    'INSERT INTO gateway_reports (period, generated_at, instance, report) VALUES ($1, $2, $3, $4) RETURNING id',
    [report.period.label, report.generatedAt, instance, JSON.stringify(report)])
  await pool.query('DELETE FROM gateway_reports WHERE id NOT IN (SELECT id FROM gateway_reports ORDER BY generated_at DESC LIMIT $1)', [KEEP_REPORTS])
  return Number(rows[0]!.id)
}

export async function listReports (pool: pg.Pool, limit: number): Promise<StoredReportSummary[]> {
  const { rows } = await pool.query<{ id: string; period: string; generated_at: Date; instance: string }>(
    'SELECT id, period, generated_at, instance FROM gateway_reports ORDER BY generated_at DESC LIMIT $1', [limit])
  return rows.map((r) => ({ id: Number(r.id), period: r.period, generatedAt: r.generated_at.toISOString(), instance: r.instance }))
}

export async function readReport (pool: pg.Pool, id: number): Promise<PerformanceReport | undefined> {
  const { rows } = await pool.query<{ report: PerformanceReport }>('SELECT report FROM gateway_reports WHERE id = $1', [id])
  return rows[0]?.report
}
