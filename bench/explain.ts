// EXPLAIN (ANALYZE, BUFFERS) of statements recorded from a real request, re-run with the same
// parameters: what the server did, which indexes it used and how long it took, without the
// network, the driver or Node in the figure. Only plain SELECTs are re-run (never a write).
import type pg from 'pg';
import type { LoggedQuery } from './query-log.js';

type PlanNode = {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Sort Method'?: string;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
};

export type PlanSummary = {
  statement: string;
  /** Server execution time, ms (EXPLAIN ANALYZE's "Execution Time"). */
  executionMs: number;
  planningMs: number;
  /** Scan and sort nodes in plan order, e.g. "Index Scan Ticket_queueRank_urgency_createdAt_id_idx". */
  nodes: string[];
  usesSeqScanOn: string[];
  rowsRemovedByFilter: number;
  sharedHit: number;
  sharedRead: number;
  text?: string;
};

export const isReadOnly = (text: string) => /^\s*SELECT\b/i.test(text) && !/\bFOR\s+(UPDATE|SHARE)\b/i.test(text);

function walk(node: PlanNode, visit: (node: PlanNode) => void) {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

export async function explain(pool: pg.Pool, query: LoggedQuery, withText = false): Promise<PlanSummary> {
  const json = await pool.query<{
    'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }];
  }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query.text}`, query.values);
  const root = json.rows[0]?.['QUERY PLAN'][0];
  if (!root) throw new Error('EXPLAIN returned no plan');
  const nodes: string[] = [];
  const seq: string[] = [];
  let removed = 0;
  walk(root.Plan, (node) => {
    const type = node['Node Type'];
    removed += (node['Rows Removed by Filter'] ?? 0) * (node['Actual Loops'] ?? 1);
    if (type === 'Seq Scan' && node['Relation Name']) seq.push(node['Relation Name']);
    if (/Scan|Sort|Aggregate/.test(type)) {
      const target = node['Index Name'] ?? node['Relation Name'] ?? node['Sort Method'] ?? '';
      nodes.push(target ? `${type} ${target}` : type);
    }
  });
  let text: string | undefined;
  if (withText) {
    const plain = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query.text}`, query.values);
    text = plain.rows.map((row) => row['QUERY PLAN']).join('\n');
  }
  return {
    statement: query.text.trim().replace(/\s+/g, ' '),
    executionMs: root['Execution Time'],
    planningMs: root['Planning Time'],
    nodes,
    usesSeqScanOn: seq,
    rowsRemovedByFilter: removed,
    sharedHit: root.Plan['Shared Hit Blocks'] ?? 0,
    sharedRead: root.Plan['Shared Read Blocks'] ?? 0,
    text,
  };
}
