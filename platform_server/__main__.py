def main() -> None:
    raise SystemExit("the reference platform is not built yet")
