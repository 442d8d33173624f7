"""Solving a whole dataset: parts in parallel, a deadline, a typed result.

Parts go to any `concurrent.futures.Executor` (a process pool by default;
a distributed executor can be plugged in without touching the model). Each
part is solved as its PuLP model by HiGHS (LP, fix, residual MIP) or by CBC.
Whatever happens, a roster comes back: a part that fails or misses the
deadline is staffed by the greedy coordinator instead, and the result says so.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from scheduler.domain import Dataset
from scheduler.engine import proof_budget
from scheduler.engine.baseline import Baseline, compare, reconcile
from scheduler.engine.chains import fill_by_chains
from scheduler.engine.eligibility import build_instance
from scheduler.engine.greedy import greedy_part
from scheduler.engine.parts import Part, split_into_parts
from scheduler.engine.polish import fewer_changed, polish
from scheduler.engine.results import (
    PartMethod,
    PartResult,
    Settings,
    SolveResult,
    SolverName,
    Status,
    bound_from_lp,
)
from scheduler.garbage import collector_paused

if TYPE_CHECKING:
    from scheduler.engine.highs_bridge import Proof
    from scheduler.engine.linear_program import LinearProgram
    from scheduler.engine.model import StaffingModel

Progress = Callable[[int, int, float, float], None]  # parts done, parts, found, bound


def solve(
    dataset: Dataset,
    settings: Settings = Settings(),
    executor: cf.Executor | None = None,
    progress: Progress | None = None,
    baseline: Baseline | None = None,
) -> SolveResult:
    """The best roster for the dataset; with a `baseline`, a re-plan that keeps to it
    (`scheduler.engine.baseline`)."""
    clock = time.monotonic()
    deadline = clock + settings.time_limit
    instance = build_instance(dataset)
    if baseline is not None and baseline.declined:
        pairs = instance.pairs.without(dataset, baseline.declined)
        instance = dataclasses.replace(instance, pairs=pairs)
    reconciled = None if baseline is None else reconcile(dataset, instance, baseline)
    eligibility_done = time.monotonic()
    keep_weight = 0.0 if baseline is None else baseline.keep_weight
    parts = split_into_parts(dataset, instance, reconciled, keep_weight)
    split_done = time.monotonic()
    results = _solve_parts(parts, settings, deadline, executor, progress)
    solved = time.monotonic()
    result = _assemble(dataset, parts, results)
    if baseline is not None and reconciled is not None:
        result["replan"] = compare(baseline, result["assignments"], reconciled.notes)
    counts = np.bincount(instance.pairs.need, minlength=len(dataset.needs))
    result["eligible"] = {n.id: int(c) for n, c in zip(dataset.needs, counts.tolist(), strict=True)}
    seconds = {
        "eligibility": eligibility_done - clock,
        "split": split_done - eligibility_done,
        "solve": solved - split_done,
    }
    return SolveResult(**{**result, "seconds": seconds})


def _solve_parts(
    parts: list[Part],
    settings: Settings,
    deadline: float,
    executor: cf.Executor | None,
    progress: Progress | None,
) -> list[PartResult]:
    results: dict[int, PartResult] = {}
    key = uuid.uuid4().hex  # names this solve's proof budget in every worker
    total_bound = sum(p.demand_weight for p in parts)
    found = 0.0

    def record(result: PartResult) -> None:
        nonlocal found, total_bound
        results[result.index] = result
        part = parts[result.index]
        found += float(part.weight[part.pair_need[result.chosen]].sum())
        total_bound += result.upper_bound - part.demand_weight
        if progress:
            progress(len(results), len(parts), found, total_bound)

    inline = {p.index for p in parts if p.size <= 2 or len(parts) == 1}  # not worth a process
    for part in parts:
        if part.index in inline:
            record(solve_part(part, settings, deadline - time.monotonic(), key))
    big = [p for p in parts if p.index not in inline]
    if big:
        own = executor is None
        pool = executor or _process_pool(settings, len(big))
        try:
            _run_in_pool(pool, big, settings, deadline, record, key)
        finally:
            if own:
                _stop(pool)
    for part in parts:  # anything the pool lost or that missed the deadline
        if part.index not in results:
            record(_greedy(part, "no answer from the solver before the deadline"))
    return [results[p.index] for p in parts]


def _run_in_pool(
    pool: cf.Executor,
    parts: list[Part],
    settings: Settings,
    deadline: float,
    record: Callable[[PartResult], None],
    key: str,
) -> None:
    futures = {
        pool.submit(solve_part, part, settings, deadline - time.monotonic(), key): part
        for part in parts
    }
    grace = 10.0 + 0.1 * settings.time_limit  # a solver may overrun its own limit a little
    try:
        for future in cf.as_completed(
            futures, timeout=max(0.0, deadline - time.monotonic()) + grace
        ):
            part = futures[future]
            try:
                record(future.result())
            except Exception as exc:  # a crashed worker must not lose the roster
                record(_greedy(part, f"the solver failed ({type(exc).__name__}: {exc})"))
    except cf.TimeoutError:
        for future in futures:
            future.cancel()


def _process_pool(settings: Settings, jobs: int) -> cf.ProcessPoolExecutor:
    """Forked workers start at once (a fork server costs a second of imports on the
    critical path); only when the caller runs threads (a web worker does), forking
    is unsafe and the workers come from a fork server instead. Forked workers share
    the parent's pages until written, so the dataset is not copied."""
    workers = settings.workers or os.cpu_count() or 1
    if threading.active_count() > 1:
        context: multiprocessing.context.BaseContext = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(
            [
                "scheduler.engine.solver",
                "scheduler.engine.model",
                "scheduler.engine.highs_bridge",
                "scheduler.engine.cbc",
            ]
        )
    else:
        context = multiprocessing.get_context("fork")
    return cf.ProcessPoolExecutor(max_workers=max(1, min(workers, jobs)), mp_context=context)


def _stop(pool: cf.Executor) -> None:
    """Shut our own pool down without waiting for a solver that ignores its time limit."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


def solve_part(part: Part, settings: Settings, time_left: float, solve: str = "") -> PartResult:
    """Solve one part (runs in a worker process): build its model, solve, read back.
    `solve` names the solve it belongs to, for the worker's proof budget."""
    with collector_paused(), proof_budget.of(solve):  # 200,000 columns, a million terms
        return _solve_part(part, settings, time_left)


def _solve_part(part: Part, settings: Settings, time_left: float) -> PartResult:
    from scheduler.engine.model import build_model

    started = time.monotonic()
    model = build_model(part)
    built = time.monotonic()
    if settings.solver is SolverName.CBC:
        from scheduler.engine.cbc import solve_with_cbc

        result = solve_with_cbc(model, settings, max(1.0, time_left - (built - started)))
    else:
        result = _solve_with_highs(model, settings, max(1.0, time_left - (built - started)))
    solved = time.monotonic()
    chosen = polish(part, fewer_changed(part, result.chosen))
    seconds = {"build": built - started, **result.seconds, "polish": time.monotonic() - solved}
    return PartResult(**{**result.__dict__, "chosen": chosen, "seconds": seconds})


def _solve_with_highs(model: StaffingModel, settings: Settings, time_left: float) -> PartResult:
    from scheduler.engine.highs_bridge import Phase, solve_relax_and_fix

    part, lp = model.part, model.arrays
    started = time.monotonic()
    start = sifting_start(part, lp.shape[1]) if part.size > SIFTING_FROM else None
    bound_cost = None
    if part.pair_keep is not None and part.rules.keep_weight:  # the bound on coverage alone
        bound_cost = lp.cost.copy()
        bound_cost[: part.size] = part.weight[part.pair_need]
    outcome = solve_relax_and_fix(lp, time_left, settings.gap, settings.threads, start, bound_cost)
    if outcome.phase is Phase.LP_FAILED or outcome.values is None:
        return _greedy(part, "the LP relaxation was not solved in time")
    values = outcome.values
    chosen = values[: part.size] > 0.5
    if outcome.phase is Phase.ROUNDED_DOWN:  # fill what rounding left open, rule by rule
        chosen = greedy_part(part, chosen)
    bound = bound_from_lp(
        outcome.lp_objective if outcome.bound_objective is None else outcome.bound_objective,
        part,
    )
    method = PartMethod(outcome.phase.value)
    seconds = {"lp": outcome.lp_seconds, "mip": outcome.mip_seconds}
    short = _coverage(part, chosen) < bound - 0.5 * part.rules.unit and bound_cost is None
    if short and part.pair_keep is None:  # a re-plan's objective is not coverage alone
        chaining = time.monotonic()
        found = _coverage(part, chosen)
        backstop = chaining + time_left - (chaining - started) - PROVE_MARGIN
        # a bonus, like a proof: its failure must not cost the roster already found
        with contextlib.suppress(Exception):
            chosen = fill_by_chains(part, chosen, CHAINS_CHECKS, backstop, bound)
        seconds["chains"] = time.monotonic() - chaining
        if _coverage(part, chosen) > found:
            method = PartMethod.CHAINS
        short = _coverage(part, chosen) < bound - 0.5 * part.rules.unit
    if short and part.size <= PROVE_MAX_PAIRS:
        left = time_left - (time.monotonic() - started) - PROVE_MARGIN - PROVE_GRACE
        wanted = min(left, PROVE_MOST_OF_BUDGET * settings.prove_seconds)
        budget = proof_budget.take(settings.prove_seconds, wanted)
        proving = time.monotonic()
        proof = None
        try:
            if budget > PROVE_LEAST:
                # warm-started from the roster before any chains: HiGHS takes every column's
                # value, and the chains' roster leaves its helper columns unknown; the proof's
                # roster replaces `chosen` below only if it covers more
                proof = _proof(lp, values, budget, 0.5 * part.rules.unit, settings.threads)
                seconds["prove"] = time.monotonic() - proving
        finally:
            proof_budget.settle(budget, seconds.get("prove", 0.0))
        # only a search that finished is taken: one cut short by the clock would make the
        # roster and the bound depend on how busy the machine was
        if proof is not None and proof.optimal and proof.values is not None:
            unit = part.rules.unit
            if _coverage(part, proof.values) > _coverage(part, chosen) + 0.5 * unit:
                values, chosen = proof.values, proof.values[: part.size] > 0.5
            bound = min(bound, bound_from_lp(proof.dual_bound, part))
            method = PartMethod.PROVEN
    return PartResult(part.index, chosen, bound, method, outcome.undecided, seconds)


def _proof(
    lp: LinearProgram, values: np.ndarray, budget: float, gap: float, threads: int
) -> Proof | None:
    """The part's whole MIP under a hard limit; None for no answer, whatever went wrong: a
    proof is a bonus, and its failure must not cost the roster already found."""
    from scheduler.engine.forked import within
    from scheduler.engine.highs_bridge import prove

    try:
        return within(budget + PROVE_GRACE, lambda: prove(lp, values, budget, gap, threads))
    except Exception:
        return None


# A part whose roster falls short of its relaxation's bound gets its whole MIP, warm-started
# from that roster: on the national sample the two parts with a gap were closed, proven
# optimal, in about 1 s and 0.1 s. Each worker process spends at most `Settings.prove_seconds`
# (5 s) of a solve on proofs, so that a country of many short parts (10x: 46 of them, 19 s
# in all) does not pay for every one; a proof that overruns HiGHS's own limit is stopped
# (`scheduler.engine.forked`). Parts beyond PROVE_MAX_PAIRS (a dense metropolitan region's)
# are not tried: their MIP would not close in seconds.
PROVE_MAX_PAIRS = 40_000
# Chains of moves (`scheduler.engine.chains`) for a part still short after its MIP, bounded by
# rule checks so that the roster does not depend on the machine's load. National's
# 164,151-pair part closes its last unit in 115,899 checks (0.19 s); at 400,000-600,000
# checks a second, the allowance is at most about 0.8 s per part (the 10x case's largest
# short part and the 28-day case's 680,000-pair parts spend it, gaining 0-1 unit).
CHAINS_CHECKS = 300_000
PROVE_MARGIN = 1.0  # seconds left for the polish and the hand-back
# no one proof takes more than half a worker's budget: a dense region's part whose search
# cannot close (seen: 23,118 pairs) would otherwise spend all of it, and the proofs that do
# close took 0.1-3.6 s (national, 10x)
PROVE_MOST_OF_BUDGET = 0.5
PROVE_GRACE = 1.0  # beyond its own time limit, before a proof is stopped
PROVE_LEAST = 0.2  # seconds: less is not worth a try


def _coverage(part: Part, chosen: np.ndarray) -> float:
    picked = chosen[: part.size] > 0.5 if chosen.dtype != bool else chosen[: part.size]
    return float(part.weight[part.pair_need[picked]].sum())


SIFTING_FROM = 5_000  # pairs; smaller parts solve their whole LP at once
SIFTING_PER_NEED = 8
# A round of sifting costs more the larger the part, so the largest start with more
# candidates and need fewer rounds: 16 per need took the LP of a 1.07 M-pair part from
# 10.6 to 5.7 s and of the 28-day case's 682,607-pair part from 3.9 to 3.4 s, but parts
# of 160,000-400,000 pairs went either way (-10 % to +55 %).
SIFTING_LARGE_FROM, SIFTING_PER_NEED_LARGE = 500_000, 16


def sifting_start(part: Part, columns: int) -> np.ndarray:
    """First columns for sifting: the greedy roster and each need's least flexible candidates.

    A volunteer with few possible shifts is likely to take one of them, and
    the greedy roster is a good guess at the rest (it makes the LP 20-25 %
    faster on the national metropolitan parts, measured); the pricing adds
    whatever else the LP wants.
    """
    degree = np.bincount(part.pair_volunteer, minlength=len(part.volunteer))[part.pair_volunteer]
    order = np.lexsort((degree, part.pair_need))
    rank = np.arange(part.size) - np.searchsorted(part.pair_need[order], part.pair_need[order])
    start = np.zeros(columns, bool)
    per_need = SIFTING_PER_NEED_LARGE if part.size >= SIFTING_LARGE_FROM else SIFTING_PER_NEED
    start[order[rank < per_need]] = True
    start[: part.size] |= greedy_part(part)
    return start


def _greedy(part: Part, why: str) -> PartResult:
    started = time.monotonic()
    chosen = greedy_part(part)
    return PartResult(
        part.index,
        chosen,
        part.demand_weight,
        PartMethod.GREEDY,
        0,
        {"greedy": time.monotonic() - started},
        why,
    )


def _assemble(dataset: Dataset, parts: list[Part], results: list[PartResult]) -> dict:
    assignments = []
    coverage = bound = 0.0
    for part, result in zip(parts, results, strict=True):
        for k in np.flatnonzero(result.chosen):
            need = dataset.needs[part.need[part.pair_need[k]]]
            volunteer = dataset.volunteers[part.volunteer[part.pair_volunteer[k]]]
            assignments.append((need.id, volunteer.id))
        coverage += float(part.weight[part.pair_need[result.chosen]].sum())
        bound += result.upper_bound
    fallback = any(r.method is PartMethod.GREEDY for r in results)
    optimal = not fallback and coverage >= bound - 1e-6
    return {
        "assignments": tuple(sorted(assignments)),
        "status": Status.FALLBACK if fallback else (Status.OPTIMAL if optimal else Status.FEASIBLE),
        "weighted_coverage": coverage,
        "upper_bound": bound,
        "filled": len(assignments),
        "demand": dataset.demand,
        "parts": tuple(results),
    }
