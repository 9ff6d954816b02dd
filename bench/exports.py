"""Exports of 10,000 interventions, then 20,000: 3W CSV, IATI 2.03 XML, the interventions table and 3W XLSX.

The interventions are real delivery states: each is tracked, funded twice, reported on (with a disaggregated
progress report) and given an expenditure report through rrc.delivery, applied by the delivery owner of an
in-process worker on the real broker, and read back by the delivery view, as the API's exports read them.
Each export then runs the same generators the routes stream (`responders.delivery.exports`) over the view: once
timed, once under tracemalloc for its peak memory. Memory should stay flat as the count doubles (the generators
hold one intervention's rows at a time). Baseline of the same run: the csv module writing the same number of rows
of the same width, with no domain code.
Usage: python bench/exports.py [--interventions 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import io
import os
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone

from common import bench_settings, emit, peak_rss_mb
from delivery import produce, tracking, wait_until

from responders.delivery.exports import (
    THREE_W,
    csv_chunks,
    iati_chunks,
    intervention_rows,
    three_w_rows,
    xlsx_file,
)
from responders.delivery.funding import Earmark, ExpenditureInput, ExpenditureReport, FundingLineInput
from responders.delivery.models import AddFunding, Part, ReportExpenditure, ReportInput, ReportValue, SubmitReport
from streams.bootstrap import bootstrap as build_runtime
from streams.broker.throwaway import broker_for_run
from streams.worker import Worker

H = timedelta(hours=1)


def messages_for(n: int, launched: datetime, now: datetime) -> list:
    track = tracking(n, launched)
    track = track.model_copy(update={"title": f"M7 earthquake {n}", "ends_at": launched + 180 * 24 * H,
                                     "objectives": ["employment", "social_protection"]})
    iid, cid = track.intervention_id, track.crisis_id
    common = dict(intervention_id=iid, crisis_id=cid, actor="tok-bench", role="coordinator", issued_at=now)
    return [
        track,
        AddFunding(command_id=f"f1-{n}", line_id=f"fnd-{n}-1", organisation="Donor A",
                   line=FundingLineInput(source="ptn-donor-a", amount=600_000, currency="USD"), **common),
        AddFunding(command_id=f"f2-{n}", line_id=f"fnd-{n}-2", organisation="Bank B",
                   line=FundingLineInput(source="ptn-bank-b", amount=400_000, currency="EUR", budget_amount=430_000,
                                         earmark=Earmark(objective="social_protection")), **common),
        ReportExpenditure(command_id=f"x-{n}", report_id=f"xpr-{n}", report=ExpenditureReport(lines=[
            ExpenditureInput(spent_on=now.date(), source="ptn-donor-a", amount=50_000 + n % 1000, currency="USD",
                             description="cash-for-work wages"),
            ExpenditureInput(spent_on=now.date(), source="ptn-bank-b", amount=20_000, currency="USD",
                             description="social protection top-ups")]), **common),
        SubmitReport(command_id=f"r-{n}", report_id=f"rpt-{n}", report=ReportInput(
            period_start=launched.date(), period_end=now.date(), values=[
                ReportValue(target_id="person_days", value=300, parts=[Part(sex="female", value=170),
                                                                      Part(sex="male", value=130)]),
                ReportValue(target_id="women_share", value=0.45)]), **common),
    ]


def selected(view: dict) -> list[dict]:
    """What the routes iterate: the states in scope (here: all), oldest launch first."""
    chosen = list(view.values())
    chosen.sort(key=lambda d: (d["launched_at"], d["intervention_id"]))
    return chosen


def drain(chunks) -> int:
    return sum(len(c) for c in chunks)


def measure(make) -> tuple[float, float, int]:
    """(seconds, tracemalloc peak in MB, bytes) of running `make()` to the end."""
    gc.collect()
    t0 = time.perf_counter()
    size = make()
    seconds = time.perf_counter() - t0
    gc.collect()
    tracemalloc.start()
    make()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, peak, size


def xlsx_export(deliveries: list[dict]) -> int:
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        xlsx_file(three_w_rows(deliveries), path)
        return os.path.getsize(path)
    finally:
        os.unlink(path)


def raw_csv(rows: int, width: int) -> int:
    buffer, written = io.StringIO(), 0
    writer = csv.writer(buffer, lineterminator="\r\n")
    row = ["International Labour Organization (ILO)", "cri-bench-000001", "IDN", "2026-12-01", "1000", "Ongoing"]
    row = (row * (width // len(row) + 1))[:width]
    for n in range(rows):
        writer.writerow(row)
        if n % 500 == 499:
            written += len(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    return written + len(buffer.getvalue())


def exports_of(deliveries: list[dict], at: datetime) -> dict[str, float]:
    rows = sum(len(d["countries"]) * len(d["targets"]) for d in deliveries)
    out: dict[str, float] = {"three_w_rows": rows}
    for name, make in (
            ("three_w_csv", lambda: drain(csv_chunks(three_w_rows(deliveries)))),
            ("iati_xml", lambda: drain(iati_chunks(deliveries, lambda p: (p, "donor"), at))),
            ("interventions_csv", lambda: drain(csv_chunks(intervention_rows(deliveries)))),
            ("three_w_xlsx", lambda: xlsx_export(deliveries))):
        seconds, peak, size = measure(make)
        out.update({f"{name}_s": round(seconds, 3), f"{name}_peak_mb": round(peak, 2),
                    f"{name}_mb": round(size / 1e6, 2)})
        print(f"{len(deliveries)} interventions: {name} {size / 1e6:.1f} MB in {seconds:.2f}s, peak {peak:.1f} MB")
    seconds, _, _ = measure(lambda: raw_csv(rows, len(THREE_W)))
    out["raw_csv_s"] = round(seconds, 3)
    return out


async def populate(bootstrap: str, topic: str, view: dict, first: int, count: int, launched: datetime,
                   now: datetime) -> float:
    t0 = time.perf_counter()
    records = [m.record() for n in range(first, first + count) for m in messages_for(n, launched, now)]
    await produce(bootstrap, topic, records)

    def applied() -> bool:
        return len(view) >= first + count and all(
            view[f"int-bench-{n:06d}"].get("reports") for n in range(first + count - 50, first + count))
    await wait_until(applied, 900, "interventions funded and reported", poll=0.2)
    return time.perf_counter() - t0


async def main(bootstrap: str, interventions: int) -> None:
    now = datetime.now(timezone.utc)
    launched = now - 20 * 24 * H
    settings = bench_settings(bootstrap, delivery_sweep_interval_s=3600, crisis_sweep_interval_s=86400,
                              expiry_sweep_interval_s=86400)
    runtime = build_runtime(settings, store="rocksdb://", clock=lambda: datetime.now(timezone.utc))
    worker = Worker(runtime)
    await worker.start()
    assert await worker.wait_running(120), worker.error
    topic = settings.topic_name("rrc.delivery")
    view = runtime.views.delivery.interventions
    try:
        fill_1 = await populate(bootstrap, topic, view, 0, interventions, launched, now)
        print(f"{interventions} interventions tracked, funded and reported in {fill_1:.1f}s")
        first = exports_of(selected(view), now)
        fill_2 = await populate(bootstrap, topic, view, interventions, interventions, launched, now)
        print(f"{2 * interventions} interventions in all (another {fill_2:.1f}s)")
        second = exports_of(selected(view), now)
        peak = peak_rss_mb()
    finally:
        await worker.stop()
    per_10k = 10_000 / interventions
    figures = {"interventions": interventions, "messages_per_intervention": 5, "fill_s": round(fill_1, 1),
               "three_w_rows": first["three_w_rows"],
               "three_w_csv_s": first["three_w_csv_s"], "three_w_csv_s_per_10k_rows":
                   round(first["three_w_csv_s"] * 10_000 / first["three_w_rows"], 3),
               "raw_csv_s": first["raw_csv_s"],
               "ratio_csv_to_raw": round(first["three_w_csv_s"] / first["raw_csv_s"], 1),
               "iati_xml_s": first["iati_xml_s"], "iati_xml_s_per_10k_interventions": round(first["iati_xml_s"] * per_10k, 3),
               "interventions_csv_s": first["interventions_csv_s"], "three_w_xlsx_s": first["three_w_xlsx_s"],
               "iati_xml_mb": first["iati_xml_mb"], "three_w_csv_mb": first["three_w_csv_mb"],
               "worker_peak_rss_mb": round(peak, 1)}
    for name in ("three_w_csv", "iati_xml", "interventions_csv", "three_w_xlsx"):
        figures[f"{name}_peak_mb"] = first[f"{name}_peak_mb"]
        figures[f"{name}_peak_mb_doubled"] = second[f"{name}_peak_mb"]
        figures[f"{name}_s_doubled"] = second[f"{name}_s"]
    emit(figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--interventions", type=int, default=10_000)
    args = parser.parse_args()
    with broker_for_run() as broker:
        asyncio.run(main(broker, args.interventions))
