"""A journey's receipt printed by the production printer driver into the printer simulator (pty)."""

from __future__ import annotations

import itertools
from pathlib import Path

from journey_fakes import FakePlatform, FakeQueue, id_card

from kiosk.catalogue.loader import load_catalogue_file
from kiosk.config import PROJECT_ROOT, JourneysConfig, PrinterConfig
from kiosk.devices.printer import PrinterSimulator, ReceiptPrinter, get_profile, start_printer_runner
from kiosk.journeys import engine as e
from kiosk.journeys.adapters import ReceiptPrinterGateway
from kiosk.journeys.engine import JourneyEngine, StepKind
from kiosk.journeys.runner import EffectRunner

CAT = load_catalogue_file(PROJECT_ROOT / "assets" / "catalogue" / "demo_catalogue.json")


def test_theme_receipts_come_out_of_the_simulator(tmp_path: Path) -> None:
    profile = get_profile("generic-80")
    sim = PrinterSimulator(profile, output_dir=tmp_path / "receipts").start()
    printer = ReceiptPrinter(PrinterConfig(model="generic-80"), profile, port=sim.port)
    runner = start_printer_runner(printer)
    try:
        gateway = ReceiptPrinterGateway(runner, printer, terminal_id="T-DEMO-0001",
                                        branch="演示支行",
                                        status_url_template="https://example.invalid/q/{reference}")
        counter = itertools.count(1)
        engine = JourneyEngine(CAT, JourneysConfig(), new_id=lambda: f"app-{next(counter)}")
        platform = FakePlatform(online=False)
        effects = EffectRunner(platform, FakeQueue(), gateway)
        ident = id_card()
        state = effects.start(engine, "theme.labour_company", ident)
        for ev in [e.SetAnswer("phone", "13812345678"),
                   e.SetAnswer("company_name", "上海某某劳务有限公司"),
                   e.SetAnswer("company_address", "上海市黄浦区南京东路100号"),
                   e.SetAnswer("capital", "200"), e.Next(),
                   e.SkipMaterial("business_licence"), e.Confirm()]:
            state = effects.drive(engine, state, ev)
        assert state.step.kind is StepKind.CONFIRMATION and state.receipt_printed, state.notice
        assert sim.wait_for_receipts(4, 20)
        texts = ["\n".join(r.lines) for r in sim.receipts]
        assert all("L-000" in t for t in texts[-4:])
        assert ident.id_number not in "".join(texts) and ident.name not in "".join(texts)
        assert any("企业开办" in t for t in texts)
    finally:
        runner.stop()
        printer.close()
        sim.stop()
