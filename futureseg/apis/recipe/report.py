"""The recipe's results: one row per score of the finished stages, as JSON and as the
markdown table (Jaccard, the share of the baseline-to-ceiling gap closed, seen / new-object
IoU, training time, parameters); and the stage table (status, time, peak memory, samples/s
of every stage)."""
from collections import Counter
from typing import Dict, Optional, Sequence

import numpy as np

from futureseg.evaluation.gap import format_gap_table

# the rows the gap is measured between: what a method must beat and what it can reach
BASELINE_ROWS = dict(baseline='copy frame 11 (segmenter mask)',
                     ceiling='segment true frame 22 (ceiling)')


def gap_closed(jaccard: float, baseline: float, ceiling: float) -> float:
    """Share of the way from the copy-frame-11 baseline to the segmenter ceiling."""
    return (jaccard - baseline) / (ceiling - baseline) if ceiling > baseline else float('nan')


def results(stage_names: Sequence[str], state: Dict[str, dict],
            types: Optional[Dict[str, str]] = None,
            outcomes: Optional[Dict[str, dict]] = None) -> dict:
    """dict(rows=[dict(row, stage, jaccard, ...)], seconds={stage: seconds}, stages=[one
    ``stage_rows`` row per stage], frame_scores, gaps) of a run.

    Args:
        stage_names (Sequence[str]): the recipe's stages, in order.
        state (dict): the run's state (``recipe_state.json``).
        types (dict, optional): {stage: its class name} (default: as the state records).
        outcomes (dict, optional): {stage: dict(status, detail)} of the last run (default:
            the state's).
    """
    rows = []
    for name in stage_names:
        for label, row in state.get(name, {}).get('outputs', {}).get('scores', {}).items():
            rows.append(dict(row=label, stage=name, **row))
    frames = {name: state[name]['outputs']['frame_scores'] for name in stage_names
              if 'frame_scores' in state.get(name, {}).get('outputs', {})}
    gaps = {name: state[name]['outputs']['gap'] for name in stage_names
            if 'gap' in state.get(name, {}).get('outputs', {})}
    return dict(rows=rows, seconds={n: state.get(n, {}).get('seconds') for n in stage_names},
                stages=stage_rows(stage_names, state, types or {}, outcomes or {}),
                frame_scores=frames, gaps=gaps)


def stage_rows(stage_names: Sequence[str], state: Dict[str, dict], types: Dict[str, str],
               outcomes: Dict[str, dict]) -> list:
    """One row per stage: dict(stage, type, status ('done', 'failed', 'timeout', 'skipped',
    'running', 'not run'), seconds, peak_mib, peak_kind, samples_s, detail)."""
    out = []
    for name in stage_names:
        entry = state.get(name, {})
        outcome = outcomes.get(name) or dict(status=entry.get('status', 'not run'),
                                             detail=entry.get('detail', ''))
        measured = outcome['detail'] != 'not in --only'  # else an earlier run's figures
        row = dict(stage=name, type=types.get(name) or entry.get('type') or '-',
                   status=outcome['status'], detail=outcome['detail'])
        for key in ('seconds', 'peak_mib', 'peak_kind', 'samples_s'):
            row[key] = entry.get(key) if measured and outcome['status'] != 'skipped' else None
        out.append(row)
    return out


def status_counts(res: dict) -> str:
    """'12 done, 1 skipped, 1 failed' of a run's stage rows."""
    counts = Counter(r['status'] for r in res.get('stages', []))
    return ', '.join(f'{n} {status}' for status, n in counts.items())


def stage_table(res: dict) -> str:
    """Markdown table of the stages: status, seconds, peak memory (GPU allocated where the
    tool used CUDA, else the resident set), samples/s and, for a stage that did not finish,
    why (the reason's first line and the last lines of its log; results.json has all)."""
    lines = ['| stage | type | status | seconds | peak memory | samples/s | detail |',
             '|---|---|---|---|---|---|---|']
    for r in res.get('stages', []):
        peak = '-' if r['peak_mib'] is None else f"{r['peak_mib']:.0f} MiB {r['peak_kind']}"
        lines_ = [x.strip() for x in str(r['detail'] or '').splitlines() if x.strip()]
        if len(lines_) > 4:  # the reason, then the log's last lines (the error itself)
            lines_ = lines_[:1] + ['...'] + [x[-160:] for x in lines_[-3:]]
        detail = ' / '.join(lines_)
        cells = [r['stage'], r['type'], r['status'],
                 '-' if r['seconds'] is None else f"{r['seconds']:.1f}", peak,
                 '-' if r['samples_s'] is None else f"{r['samples_s']:.2f}",
                 detail.replace('|', '/') or '-']
        lines.append('| ' + ' | '.join(str(c) for c in cells) + ' |')
    return f"Stages ({status_counts(res)}):\n\n" + '\n'.join(lines)


def gap_text(res: dict) -> str:
    """The gap breakdown of each stage that computed one (``TestModel(gap=True)``)."""
    parts = []
    for stage, summary in res.get('gaps', {}).items():
        parts.append(f'Gap breakdown of frame 22, stage `{stage}` (true masks of frames 1-11 and '
                     f'22; `holds`: the Jaccard gained if that group were predicted perfectly):\n\n'
                     f'{format_gap_table(summary)}')
    return '\n\n'.join(parts)


def frame_scores_text(res: dict) -> str:
    """One line per stage that scored the segmenter on single frames (``SegmenterFrameScores``)."""
    lines = []
    for f in res.get('frame_scores', {}).values():
        lines.append(f"Segmenter on single frames ({f['frames']} frames of {f['split']}): Jaccard "
                     f"{_fmt(f['jaccard'])}; on the object pixels found, shape {_fmt(f['shape_acc'])}, "
                     f"material {_fmt(f['material_acc'])}, colour {_fmt(f['color_acc'])}; "
                     f"objects vs background IoU {_fmt(f['object_iou'])}.")
    return '\n'.join(lines)


def _fmt(v) -> str:
    return '-' if v is None or (isinstance(v, float) and np.isnan(v)) else f'{v:.4f}'


def table(res: dict) -> str:
    """Markdown table of ``results()``: one row per score, with the seen / new-object IoU
    and stage time."""
    by_row = {r['row']: r.get('jaccard') for r in res['rows']}
    base, ceiling = (by_row.get(BASELINE_ROWS[k]) for k in ('baseline', 'ceiling'))
    lines = ['| result | Jaccard | gap closed | seen objects IoU | new objects IoU | training time | parameters |',
             '|---|---|---|---|---|---|---|']
    for r in res['rows']:
        secs, params = r.get('train_s'), r.get('params')
        gap = '-'
        if base is not None and ceiling is not None and r.get('jaccard') is not None \
                and r['row'] not in BASELINE_ROWS.values():
            gap = f"{100 * gap_closed(r['jaccard'], base, ceiling):.1f} %"
        lines.append(f"| {r['row']} | {_fmt(r.get('jaccard'))} | {gap} | {_fmt(r.get('seen_iou'))} | "
                     f"{_fmt(r.get('new_iou'))} | {'-' if secs is None else f'{secs:.0f} s'} | "
                     f"{'-' if params is None else f'{params / 1e6:.3f} M'} |")
    return '\n'.join(lines)
