"""Views' disk stores: records with their listed fields in memory, groups paged by prefix, orphaned stores of
processes that are gone removed, and the crisis view's signals pages."""

from __future__ import annotations

import json

from streams.views.crises import CrisisView
from streams.views.store import DiskGroups, DiskRecords, DiskStore
from vocabulary.pagination import BadCursor


def test_groups_page_in_order_within_a_group_and_never_leak_into_the_next(tmp_path):
    store = DiskStore(tmp_path, "g")
    groups = DiskGroups(store)
    for group in ("cri-a", "cri-b"):
        for i in range(7):
            groups.put(group, f"2026-03-0{i + 1}T00:00:00Z", f"s{i}", json.dumps({"g": group, "i": i}).encode())
    first, pos = groups.page("cri-a", 3)
    second, pos2 = groups.page("cri-a", 3, pos)
    third, end = groups.page("cri-a", 3, pos2)
    assert [m["i"] for m in first + second + third] == list(range(7)) and end is None
    assert all(m["g"] == "cri-a" for m in first + second + third)
    assert [m["i"] for m in groups.last("cri-a", 2)] == [5, 6]
    assert groups.page("cri-zz", 3) == ([], None) and groups.last("cri-zz", 3) == []
    store.close()


def test_a_store_of_a_dead_process_is_removed_and_ours_starts_empty(tmp_path):
    (tmp_path / "crises-999999999").mkdir()  # no such process
    (tmp_path / "crises-999999999" / "x").write_text("old")
    store = DiskStore(tmp_path, "crises")
    records = DiskRecords(store, ("a",))
    records.put("k", {"a": 1, "b": 2})
    assert not (tmp_path / "crises-999999999").exists()
    assert records.meta == {"k": {"a": 1}} and records["k"] == {"a": 1, "b": 2} and len(records) == 1
    store.close()


def test_the_crisis_view_serves_every_signal_a_page_at_a_time(tmp_path):
    view = CrisisView(DiskStore(tmp_path, "c"), DiskStore(tmp_path, "m"))
    crisis = {"crisis_id": "cri-1", "status": "open", "kind": "disaster", "hazard": "flood", "countries": ["PAK"],
              "severity": "severe", "updated_at": "2026-03-02T00:00:00Z", "opened_at": "2026-03-01T00:00:00Z",
              "exercise": False, "signal_count": 120, "signal_ids": [f"s{i}" for i in range(70, 120)],
              "history": []}
    view.apply_crisis_message(json.dumps({"event": {"event_id": "e1"}, "crisis": crisis}).encode())
    for i in range(120):
        member = {"signal_id": f"s{i:03d}", "crisis_id": "cri-1", "observed_at": f"2026-03-01T{i // 60:02d}:"
                  f"{i % 60:02d}:00Z", "title": f"report {i}"}
        entry = {"at": member["observed_at"], "change": "signal_added", "signal_id": member["signal_id"]}
        view.apply_crisis_message(json.dumps({"event": {"event_id": f"e{i}"}, "member": member,
                                              "crisis": {**crisis, "history": [entry]}}).encode())
    seen, cursor = [], None
    while True:
        page = view.signals("cri-1", 50, cursor)
        assert page["total"] == 120
        seen += [m["signal_id"] for m in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [f"s{i:03d}" for i in range(120)]
    detail = view.get("cri-1")
    assert [m["signal_id"] for m in detail["signals"]] == [f"s{i:03d}" for i in range(100, 120)]
    assert len(detail["history"]) == 100 and detail["history"][-1]["signal_id"] == "s119"
    try:
        view.signals("cri-1", 10, "bm90LWEtbGlzdA")
    except BadCursor:
        pass
    else:
        raise AssertionError("a cursor of another shape is refused")
