"""Schemathesis against a live portal: property-based tests generated from /api/schema/.

    python tests/live_api.py [--max-examples 40] [--count 300] [--port 0] [--seed N]

Prepares a temporary SQLite database as an operator would (migrate, import the seeds and a
generated corpus of --count documents), serves it with gunicorn under the production settings
(debug off, the page cache on), and runs `schemathesis run` on the schema with the checks that
matter here: no 5xx, each status, content type and body as the schema documents. Exits with
schemathesis's status; the server and the temporary files are always removed.
"""

import argparse
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def free_port():
    with socket.socket() as sock:
        sock.bind((common.HOST, 0))
        return sock.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-examples", type=int, default=40, help="test cases per operation and phase")
    parser.add_argument("--count", type=int, default=300, help="generated documents besides the seeds")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=None, help="schemathesis's random seed")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="live-api-") as tmp:
        tmp = Path(tmp)
        database = tmp / "portal.sqlite3"
        env = common.environment(database, DJANGO_LOG_LEVEL="ERROR")
        corpus = common.ensure_corpus(tmp / "corpus", args.count)
        common.manage(env, "migrate", "--noinput", "-v0")
        common.manage(env, "import_articles", str(ROOT / "seeds"), str(corpus), "--verbosity", "0")
        log = tmp / "server.log"
        # The schema allows 30 values of up to 253 characters per facet: such a URL is longer than
        # gunicorn's default request line (4094 bytes), which it refuses with its own HTML 414
        # before Django sees it. Production behind a proxy sets that limit there.
        server_args = ["--limit-request-line", "0"]
        with common.Server(env, args.port or free_port(), log_path=log, extra_args=server_args) as server:
            command = [
                str(Path(sys.executable).parent / "schemathesis"),
                "run",
                f"{server.base_url}/api/schema/",
                "--checks",
                CHECKS,
                "--max-examples",
                str(args.max_examples),
                "--workers",
                "2",
                "--request-timeout",
                "30",
                "--generation-database",
                "none",
                "--no-color",
            ]
            if args.seed is not None:
                command += ["--seed", str(args.seed)]
            print(" ".join(command), flush=True)
            code = subprocess.run(command, cwd=tmp, stdin=subprocess.DEVNULL).returncode
            logged = server.log_text().splitlines()
            errors = [line for line in logged if "Traceback" in line or " ERROR " in line]
        if errors:
            print(f"the server logged {len(errors)} error(s):", *errors[:20], sep="\n")
            code = code or 1
    print(f"schemathesis: {'passed' if code == 0 else f'failed (exit {code})'}")
    return code


if __name__ == "__main__":
    sys.exit(main())
