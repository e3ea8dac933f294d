"""`ganlab` command line: serve the lab, train headless, list presets."""

from __future__ import annotations

import argparse
import json
import sys

from gan_core.config import ConfigError, load_config_file, parse_assignments
from gan_core.presets import PRESETS


def _cmd_presets(args: argparse.Namespace) -> int:
    for name in PRESETS:
        p = PRESETS.get(name)
        print(f"{name:24s} {p.title}: {p.description}")
    return 0


def _number(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _describe_record(r: dict) -> str:
    """One human-readable progress line (the --json lines carry every field)."""
    line = (
        f"iter {r['iteration']:6d}  loss_d {_number(r['loss_d'], 4)}  loss_g {_number(r['loss_g'], 4)}  "
        f"out(real) {_number(r['d_real'], 3)}  out(fake) {_number(r['d_fake'], 3)}  "
        f"JS {_number(r['js'], 4)} nats  W1 {_number(r['wasserstein'], 4)}"
    )
    if r.get("value_optimum") is not None:
        line += f"  V {_number(r['value'], 4)} (optimum {r['value_optimum']:.4f})"
    if r.get("modes_total") is not None:
        line += f"  modes {r['modes_covered']}/{r['modes_total']}  HQ {r['hq_fraction']:.3f}"
    return f"{line}  {r['seconds']:.1f}s"


def _cmd_train(args: argparse.Namespace) -> int:
    import torch

    from gan_core.train import train

    torch.set_num_threads(max(1, args.threads))
    try:
        if args.config:
            config = load_config_file(args.config)
        else:
            if args.preset not in PRESETS:
                raise ConfigError(f"unknown preset {args.preset!r}; choose one of: {', '.join(PRESETS)}")
            config = PRESETS.get(args.preset).config
        if args.seed is not None:
            config = config.updated({"seed": args.seed})
        config = parse_assignments(config, args.set or [])
    except ConfigError as err:
        print(f"ganlab train: {err}", file=sys.stderr)
        return 2
    if not args.json:
        print(f"training {args.preset if not args.config else args.config} for {args.steps} iterations: {config.model_dump()}")
    last: dict = {}
    for record in train(config, args.steps, every=args.every):
        last = record
        if args.json:
            print(json.dumps(record), flush=True)
        else:
            print(_describe_record(record), flush=True)
    if args.save:
        with open(args.save, "w", encoding="utf-8") as fh:
            json.dump({"config": config.model_dump(), "metrics": last}, fh, indent=2)
    if "diverged" in last:
        print(f"ganlab train: training diverged: {last['diverged']}", file=sys.stderr)
        return 3
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app, resolve_device

    try:
        device = resolve_device(args.device)
    except ValueError as err:
        print(f"ganlab serve: {err}", file=sys.stderr)
        return 2
    app = create_app(device=device, max_sessions=args.max_sessions)
    print(f"GAN Lab on http://{args.host}:{args.port}  (device: {device})", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, ws_max_size=1 << 20)
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganlab", description="GAN Lab: watch a GAN learn.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the lab's web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    serve.add_argument("--max-sessions", type=_positive, default=32, help="concurrent training sessions")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(func=_cmd_serve)

    tr = sub.add_parser("train", help="train without a browser")
    tr.add_argument("--preset", default="figure1")
    tr.add_argument("--config", help="a JSON config or saved run to start from (instead of --preset)")
    tr.add_argument("--steps", type=_positive, default=5000, help="iterations (k D updates + 1 G update each)")
    tr.add_argument("--seed", type=int)
    tr.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config field (repeatable)")
    tr.add_argument("--every", type=_positive, default=500, help="report every N iterations")
    tr.add_argument("--json", action="store_true", help="one JSON object per line")
    tr.add_argument("--save", help="write the config and final metrics to this JSON file")
    tr.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    tr.set_defaults(func=_cmd_train)

    pr = sub.add_parser("presets", help="list the presets")
    pr.set_defaults(func=_cmd_presets)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
