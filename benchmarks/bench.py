"""`make bench`: our configuration against Rasa's stock recipe, side by side.

For each configuration, on the same data and machine, in one run:
training time from clean, held-out NLU quality, cold start (process start to
the first answered REST message), REST latency (p50/p95/p99) and throughput at
1, 10 and 50 concurrent users with the action server in the loop, and the peak
RSS of the Rasa server and the action server. Load comes from an asyncio
client on loopback, bounded in time; both configurations' servers are up
together and take turns at each load level (load_levels).

Writes benchmarks/results.json and benchmarks/README.md.
"""

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import aiohttp
import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bot.launch.local_servers import free_port, wait_until_up  # noqa: E402
from bot.safety.examples import development_splits  # noqa: E402

# What a measurement run writes (results.json): nested JSON of mixed values.
Report = Dict[str, Any]

BIN = Path(sys.executable).parent
OUT = ROOT / "benchmarks"
CONFIGS = {"ours": ROOT / "config.yml", "stock": OUT / "stock_config.yml"}
TRAINING_DATA = ["data/nlu", "data/stories", "data/rules"]
HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
# Written apart from the training data, from the visitor's point of view.
BLIND_HOLDOUT = ROOT / "tests" / "nlu_blind" / "holdout_visitors.yml"
# The gated set first, then every development split (those the classifier
# trains on, then those only the red-flag list was tuned on); borderline.yml
# holds messages a reader could take either way: not scored.
SAFETY_SETS = [ROOT / "tests" / "safety" / "gated.yml", *development_splits(ROOT)]
# The splits the safety classifier trains on.
SAFETY_EXAMPLES = ROOT / "data" / "safety" / "examples"

# One visitor's conversation: FAQ questions and booking turns; "yes" after an
# answer and "book ..." run the booking action on the action server.
SCRIPT = [
    "hi",
    "how much does it cost?",
    "does it hurt",
    "yes",
    "no thanks",
    "is it fda approved",
    "when will i see results",
    "what are the risks",
    "i want to book a consultation",
    "no",
    "thanks",
]
USER_LEVELS = [1, 10, 50]
# Each level in rounds, the configurations taking turns (load_levels).
ROUNDS = 3
# Stock DIET/TED training takes over half an hour on 2 cores: its model and
# its measured training time are kept here, keyed by everything that shapes
# them, so every later run still serves and measures a stock model.
TRAINED = ROOT / "build" / "bench"


def training_key(config: Path) -> str:
    """Changes whenever the config, domain, training data or Rasa change:
    what the YAML says, not how it is written, so that a comment or a line
    break does not cost an hour of stock training."""
    import rasa

    digest = hashlib.sha256(rasa.__version__.encode())
    files = [config, ROOT / "domain.yml"] + sorted(
        f for folder in TRAINING_DATA for f in (ROOT / folder).rglob("*.yml")
    )
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), sort_keys=True).encode())
    return digest.hexdigest()[:16]


def train(
    name: str, config: Path, workdir: Path, env: Dict[str, str], reuse: bool, keep: bool
) -> Tuple[Path, Dict[str, float]]:
    """The model and its training time from clean: from the cache when
    `reuse` and this exact training was measured before; kept there when
    `keep`."""
    cached = TRAINED / f"{name}-{training_key(config)}"
    if reuse and (cached / "train.json").exists():
        log(f"{name}: reusing the model trained on {json.loads((cached / 'train.json').read_text())['date']}")
        return cached / f"{name}.tar.gz", json.loads((cached / "train.json").read_text())["train_seconds"]
    config_copy = workdir / "config.yml"
    shutil.copy(config, config_copy)
    log(f"{name}: training from clean")
    started = time.monotonic()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.launch",
            sys.executable,
            "-m",
            "bot.launch.rasa_cli",
            "train",
            "--config",
            str(config_copy),
            "--domain",
            "domain.yml",
            "--data",
            *TRAINING_DATA,
            "--out",
            str(workdir / "models"),
            "--fixed-model-name",
            name,
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=(workdir / "train.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds (all threads) compare fairly even when the two trainings
    # ran on a busy machine or at different times; wall time is kept too.
    seconds = {
        "wall": round(time.monotonic() - started, 1),
        "cpu": round((cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime), 1),
    }
    model = workdir / "models" / f"{name}.tar.gz"
    if keep:
        cached.mkdir(parents=True, exist_ok=True)
        shutil.copy(model, cached / model.name)
        (cached / "train.json").write_text(
            json.dumps(
                {
                    "train_seconds": seconds,
                    "date": dt.datetime.now().isoformat(timespec="minutes"),
                    "load_average": os.getloadavg(),
                }
            )
        )
    return model, seconds


def log(message: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def env_for(workdir: Path, rasa_port: int, action_port: int) -> Dict[str, str]:
    return {
        **os.environ,
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(action_port),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_DB_URL": f"sqlite:///{workdir}/tracker.db",
        "LEADS_DB_URL": f"sqlite:///{workdir}/leads.db",
        # A fresh cache: training time is measured from clean.
        "RASA_CACHE_DIRECTORY": str(workdir / "cache"),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        # The load comes from one address, many conversations at once: the
        # per-visitor limits that protect a real deployment would refuse it (empty: none).
        "RATE_LIMIT_SENDER": "",
        "RATE_LIMIT_ADDRESS": "",
        "RATE_LIMIT_NEW_CONVERSATIONS": "",
    }


def launch(args: List[str], env: Dict[str, str], log_file: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.launch", *args],
        cwd=ROOT,
        env=env,
        stdout=log_file.open("wb"),
        stderr=subprocess.STDOUT,
    )


def peak_rss_mb(pid: int) -> Optional[float]:
    """VmHWM: the process's peak resident set size so far."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def percentile(values: List[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index] * 1000, 1)


async def run_load(url: str, users: int, seconds: float, tag: str) -> Report:
    """`users` visitors talking at once for `seconds`; each starts a new
    conversation whenever it finishes the script."""
    latencies: List[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    timeout = aiohttp.ClientTimeout(total=30)

    async def visitor(n: int) -> None:
        nonlocal errors
        conversation = 0
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while time.monotonic() < deadline:
                sender = f"bench-{tag}-{users}-{n}-{conversation}"
                conversation += 1
                for message in SCRIPT:
                    if time.monotonic() >= deadline:
                        return
                    started = time.monotonic()
                    try:
                        async with session.post(
                            f"{url}/webhooks/rest/webhook",
                            json={"sender": sender, "message": message},
                        ) as response:
                            body = await response.json()
                            if response.status != 200 or not body:
                                errors += 1
                                continue
                    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                        errors += 1
                        continue
                    latencies.append(time.monotonic() - started)

    started = time.monotonic()
    await asyncio.gather(*(visitor(n) for n in range(users)))
    elapsed = time.monotonic() - started
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "messages": len(latencies),
        "errors": errors,
        "throughput_msg_s": round(len(latencies) / elapsed, 2),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
    }


def prepare(name: str, config: Path, workdir: Path, retrain: bool) -> Tuple[Report, Path]:
    """Trains (or reuses the kept stock model) and scores held-out NLU and safety sets."""
    workdir.mkdir(parents=True)
    result: Report = {"config": str(config.relative_to(ROOT))}
    env = env_for(workdir, free_port(), free_port())
    model, trained = train(name, config, workdir, env, reuse=name == "stock" and not retrain, keep=name == "stock")
    result["train_seconds"], result["train_cpu_seconds"] = trained["wall"], trained["cpu"]
    log(f"{name}: trained in {trained['wall']} s ({trained['cpu']} s of CPU)")

    log(f"{name}: held-out NLU evaluation")
    result["nlu"] = {}
    for label, data, flags in (("", HOLDOUT, []), ("blind_", BLIND_HOLDOUT, ["--unseen-only"])):
        scorer = [sys.executable, "-m", "bot.model_tools.nlu_eval", *flags, str(model), str(data)]
        report = run_json(scorer, workdir, env)
        result["nlu"][f"{label}intent_accuracy"] = round(report["intent_accuracy"], 4)
        result["nlu"][f"{label}macro_f1"] = round(report["macro_f1"], 4)
    log(f"{name}: intent accuracy {result['nlu']}")
    if name == "ours":
        log(f"{name}: safety sets")
        result["safety"] = {}
        # One scorer for every set, so the model loads once.
        scorer = [sys.executable, "-m", "bot.safety.evaluate", str(model)]
        reports = run_json(scorer, workdir, env, [str(path) for path in SAFETY_SETS])
        for stem, report in reports.items():
            result["safety"][stem] = {
                "recall": round(report["recall"], 4),
                "false_alarm_rate": round(report["false_alarm_rate"], 4),
                "messages": report["messages"],
            }
        log(f"{name}: {result['safety']}")
    return result, model


class Served:
    """One configuration's action server and Rasa server, up for the load levels."""

    def __init__(self, name: str, model: Path, workdir: Path) -> None:
        self.name, self.workdir = name, workdir
        rasa_port, action_port = free_port(), free_port()
        env = env_for(workdir, rasa_port, action_port)
        self.actions = launch(
            [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(action_port)],
            env,
            workdir / "actions.log",
        )
        wait_until_up(f"http://127.0.0.1:{action_port}/health", self.actions, workdir / "actions.log")
        self.url = f"http://127.0.0.1:{rasa_port}"
        started = time.monotonic()
        self.rasa = launch(
            [
                sys.executable,
                "-m",
                "bot.launch.rasa_cli",
                "run",
                "--model",
                str(model),
                "--port",
                str(rasa_port),
                "--endpoints",
                "endpoints.yml",
                "--credentials",
                "credentials.yml",
            ],
            env,
            workdir / "rasa.log",
        )
        log(f"{name}: cold start")
        while True:
            if self.rasa.poll() is not None:
                raise RuntimeError((workdir / "rasa.log").read_text()[-3000:])
            try:
                answer = requests.post(
                    f"{self.url}/webhooks/rest/webhook",
                    json={"sender": "cold-start", "message": "how much does it cost?"},
                    timeout=30,
                )
                if answer.ok and answer.json():
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.cold_start_seconds = round(time.monotonic() - started, 1)
        log(f"{name}: first answer after {self.cold_start_seconds} s")
        asyncio.run(run_load(self.url, 2, 3, f"{name}-warmup"))

    def peak_rss_mb(self) -> Report:
        return {
            "rasa_server": peak_rss_mb(self.rasa.pid),
            "action_server": peak_rss_mb(self.actions.pid),
        }

    def stop(self) -> None:
        for process in (self.rasa, self.actions):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def load_levels(servers: List[Served], seconds: float) -> Dict[str, Report]:
    """Each load level in ROUNDS rounds, the configurations taking turns.

    This machine's speed drifts by a third from minute to minute (other
    tenants): measured one after the other, the two configurations met
    different machines. Taking turns in short rounds, each configuration
    meets the same drift; a level's throughput is the median of its rounds."""
    levels: Dict[str, Report] = {served.name: {} for served in servers}
    for users in USER_LEVELS:
        rounds: Dict[str, List[Report]] = {served.name: [] for served in servers}
        for turn in range(ROUNDS):
            for served in servers:
                log(f"{served.name}: {users} user(s), round {turn + 1} of {ROUNDS}, {seconds / ROUNDS:.0f} s")
                rounds[served.name].append(asyncio.run(run_load(served.url, users, seconds / ROUNDS, served.name)))
        for name, reports in rounds.items():
            level = {
                "users": users,
                "seconds": round(sum(r["seconds"] for r in reports), 1),
                "messages": sum(r["messages"] for r in reports),
                "errors": sum(r["errors"] for r in reports),
                "throughput_msg_s": statistics.median(r["throughput_msg_s"] for r in reports),
                "rounds_msg_s": [r["throughput_msg_s"] for r in reports],
                "p50_ms": statistics.median(r["p50_ms"] or 0 for r in reports),
                "p95_ms": statistics.median(r["p95_ms"] or 0 for r in reports),
                "p99_ms": statistics.median(r["p99_ms"] or 0 for r in reports),
            }
            levels[name][str(users)] = level
            log(
                f"{name}:   {level['throughput_msg_s']} msg/s (rounds {level['rounds_msg_s']}), "
                f"p50 {level['p50_ms']} ms, p95 {level['p95_ms']} ms, errors {level['errors']}"
            )
    return levels


def bench(names: List[str], workdir: Path, seconds: float, retrain: bool) -> Dict[str, Report]:
    results, models = {}, {}
    for name in names:
        results[name], models[name] = prepare(name, CONFIGS[name], workdir / name, retrain)
    servers: List[Served] = []
    try:
        # One at a time, so that neither start competes with the other.
        for name in names:
            servers.append(Served(name, models[name], workdir / name))
            results[name]["cold_start_seconds"] = servers[-1].cold_start_seconds
        for name, levels in load_levels(servers, seconds).items():
            results[name]["load"] = levels
        for served in servers:
            results[served.name]["peak_rss_mb"] = served.peak_rss_mb()
    finally:
        for served in servers:
            served.stop()
    return results


def run_json(command: List[str], workdir: Path, env: Dict[str, str], after: Sequence[str] = ()) -> Report:
    """Runs a `python -m ... OUT.json [after...]` scorer and returns what it wrote."""
    out = workdir / f"report-{time.monotonic_ns()}.json"
    subprocess.run(
        [*command, str(out), *after],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=(workdir / "scorers.log").open("ab"),
        stderr=subprocess.STDOUT,
    )
    return json.loads(out.read_text())


def per_message_ms(function: Callable[[str], object], texts: List[str], rounds: int = 3) -> Report:
    function(texts[0])  # loads and compiles what it needs once, as a server does at start
    times = []  # seconds, as percentile() expects
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            function(text)
            times.append(time.perf_counter() - started)
    return {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}  # in ms, to 0.1


def bench_components() -> Report:
    """What the safety check and the sentence encoder add to each message,
    timed in this process on the held-out and safety messages."""
    import yaml

    from bot.nlu.minilm import MiniLM
    from bot.safety import examples
    from bot.safety.classifier import Scorer, new_classifier
    from bot.safety.language import language_of
    from bot.safety.screen import screen

    texts = [ex["text"] for path in SAFETY_SETS for ex in yaml.safe_load(path.read_text())["messages"]]
    holdout = [line.strip()[2:] for line in HOLDOUT.read_text().splitlines() if line.strip().startswith("- ")]
    # The component's classifier, fitted on its development splits here (the
    # NLU examples it also sees in training add little to its vocabulary).
    labelled = examples.load_examples(SAFETY_EXAMPLES)
    scorer = Scorer(new_classifier().fit([t for t, _ in labelled], [label for _, label in labelled]))

    def safety(text: str) -> None:
        screen(text)
        language_of(text)
        scorer.probabilities(text)

    encoder = MiniLM()
    return {
        "safety_check": {**per_message_ms(safety, texts), "messages": len(texts)},
        "sentence_encoder": {**per_message_ms(encoder.embed_one, holdout, rounds=1), "messages": len(holdout)},
        "sentence_encoder_start": encoder_start_cost(),
    }


# Run in a fresh interpreter: what loading the encoder adds to a server's
# start (seconds) and memory (MB of resident set), numpy and TensorFlow
# already loaded as every Rasa server has them.
_ENCODER_START = """
import json, time
import numpy, tensorflow
def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
before = rss_mb()
started = time.perf_counter()
from bot.nlu.minilm import MiniLM
MiniLM().embed_one("how much does it cost?")
print(json.dumps({"load_seconds": round(time.perf_counter() - started, 2),
                  "rss_added_mb": round(rss_mb() - before, 1)}))
"""


def encoder_start_cost() -> Report:
    done = subprocess.run([sys.executable, "-c", _ENCODER_START], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def ratio(ours: Optional[float], stock: Optional[float]) -> Optional[float]:
    return round(ours / stock, 3) if ours is not None and stock else None


def compare(results: Dict[str, Report]) -> Dict[str, Report]:
    ours, stock = results["ours"], results["stock"]
    rows = {
        "intent_accuracy": (ours["nlu"]["intent_accuracy"], stock["nlu"]["intent_accuracy"]),
        "macro_f1": (ours["nlu"]["macro_f1"], stock["nlu"]["macro_f1"]),
        "blind_intent_accuracy": (ours["nlu"]["blind_intent_accuracy"], stock["nlu"]["blind_intent_accuracy"]),
        "blind_macro_f1": (ours["nlu"]["blind_macro_f1"], stock["nlu"]["blind_macro_f1"]),
        "train_seconds": (ours["train_seconds"], stock["train_seconds"]),
        "train_cpu_seconds": (ours.get("train_cpu_seconds"), stock.get("train_cpu_seconds")),
        "cold_start_seconds": (ours["cold_start_seconds"], stock["cold_start_seconds"]),
    }
    for users in USER_LEVELS:
        for key in ("p50_ms", "p95_ms", "p99_ms", "throughput_msg_s", "errors"):
            rows[f"{key}@{users}"] = (ours["load"][str(users)][key], stock["load"][str(users)][key])
    for proc in ("rasa_server", "action_server"):
        rows[f"peak_rss_mb_{proc}"] = (ours["peak_rss_mb"][proc], stock["peak_rss_mb"][proc])
    return {k: {"ours": o, "stock": s, "ratio": ratio(o, s)} for k, (o, s) in rows.items()}


def targets(table: Dict[str, Report], encoder: Optional[Report] = None) -> List[Report]:
    t = table
    checks = [
        (
            "Held-out intent accuracy >= 0.95 and not below stock",
            t["intent_accuracy"]["ours"] >= 0.95 and t["intent_accuracy"]["ours"] >= t["intent_accuracy"]["stock"],
            f"{t['intent_accuracy']['ours']} vs {t['intent_accuracy']['stock']}",
        ),
        (
            "Throughput at 10 users >= 3x stock",
            (t["throughput_msg_s@10"]["ratio"] or 0) >= 3,
            f"{t['throughput_msg_s@10']['ratio']}x",
        ),
        ("p50 latency, 1 user <= 1/3 of stock", (t["p50_ms@1"]["ratio"] or 9) <= 1 / 3, f"{t['p50_ms@1']['ratio']}"),
        ("p95 latency at 10 users <= 250 ms", (t["p95_ms@10"]["ours"] or 1e9) <= 250, f"{t['p95_ms@10']['ours']} ms"),
        (
            "Cold start <= 1/4 of stock",
            (t["cold_start_seconds"]["ratio"] or 9) <= 0.25,
            f"{t['cold_start_seconds']['ratio']}",
        ),
        (
            "Training time (CPU seconds) <= 1/2 of stock",
            (t["train_cpu_seconds"]["ratio"] or 9) <= 0.5,
            f"{t['train_cpu_seconds']['ratio']}",
        ),
        (
            "Peak Rasa server RSS <= 700 MB",
            (t["peak_rss_mb_rasa_server"]["ours"] or 1e9) <= 700,
            f"{t['peak_rss_mb_rasa_server']['ours']} MB",
        ),
        (
            "Blind held-out intent accuracy >= 0.95",
            t["blind_intent_accuracy"]["ours"] >= 0.95,
            f"{t['blind_intent_accuracy']['ours']}",
        ),
        (
            "Throughput at 10 users >= 1.5x stock (with the sentence encoder)",
            (t["throughput_msg_s@10"]["ratio"] or 0) >= 1.5,
            f"{t['throughput_msg_s@10']['ratio']}x",
        ),
    ]
    if encoder:
        checks += [
            (
                "Sentence encoder <= 10 ms a message (p50)",
                encoder["sentence_encoder"]["p50_ms"] <= 10,
                f"{encoder['sentence_encoder']['p50_ms']} ms",
            ),
            (
                "Sentence encoder adds <= 3 s to a cold start",
                encoder["sentence_encoder_start"]["load_seconds"] <= 3,
                f"{encoder['sentence_encoder_start']['load_seconds']} s",
            ),
            (
                "Sentence encoder adds <= 150 MB to the Rasa server",
                encoder["sentence_encoder_start"]["rss_added_mb"] <= 150,
                f"{encoder['sentence_encoder_start']['rss_added_mb']} MB",
            ),
        ]
    return [{"target": name, "met": bool(ok), "measured": measured} for name, ok, measured in checks]


def write_readme(data: Report, command: str) -> None:
    table = data["comparison"]
    lines = [
        "# Benchmarks: our configuration against Rasa's stock recipe",
        "",
        f"Made by `{command}` on {data['machine']['date']}, "
        f"{data['machine']['cores']} cores, Python {data['machine']['python']}, "
        f"Rasa {data['machine']['rasa']}. Both configurations ran in the same run, "
        "on the same data and machine; raw numbers in `results.json`. "
        f"Each load level ran {data['seconds_per_level']:.0f} s of the conversation "
        "mix in `bench.py` (FAQ questions and booking turns, action server in the loop), "
        f"in {ROUNDS} rounds with the two configurations taking turns; throughput is the "
        "median round, latencies the median of the rounds' percentiles.",
        "",
        "| measure | ours | stock | ours/stock |",
        "| --- | ---: | ---: | ---: |",
    ]
    for key, row in table.items():
        lines.append(f"| {key} | {row['ours']} | {row['stock']} | {row['ratio']} |")
    ours = data["results"]["ours"]
    if "safety" in ours:
        lines += [
            "",
            "## Safety check",
            "",
            "Each set run through the trained model's whole NLU pipeline "
            "(`bot/safety/evaluate.py`). Nothing trains on `gated` and its messages "
            "are never read for tuning: it was read once, after the last change, "
            "and its figures are an outside reading (tests/safety/README.md). The "
            "classifier trains on "
            "the sets in data/safety/examples/, so their figures are in-sample; "
            "those in data/safety/patterns_only/ (dev18, dev22) tuned the red-flag "
            "list only.",
            "",
            "| set | messages | recall | false alarms |",
            "| --- | ---: | ---: | ---: |",
        ]
        for set_name, row in ours["safety"].items():
            lines.append(f"| {set_name} | {row['messages']} | {row['recall']} | {row['false_alarm_rate']} |")
    components = data.get("components")
    if components:
        lines += [
            "",
            "## Per-message cost",
            "",
            "| component | p50 ms | p95 ms | messages |",
            "| --- | ---: | ---: | ---: |",
        ]
        for component, row in components.items():
            if "p50_ms" in row:
                lines.append(f"| {component} | {row['p50_ms']} | {row['p95_ms']} | {row['messages']} |")
        start = components.get("sentence_encoder_start")
        if start:
            lines += [
                "",
                f"Loading the sentence encoder in a fresh process: {start['load_seconds']} s, "
                f"{start['rss_added_mb']} MB of resident memory.",
            ]
    lines += ["", "## Targets", "", "| target | met | measured |", "| --- | --- | --- |"]
    for check in data["targets"]:
        lines.append(f"| {check['target']} | {'yes' if check['met'] else 'NO'} | {check['measured']} |")
    notes = OUT / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text().strip()]
    (OUT / "README.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="duration of each load level, over its rounds")
    parser.add_argument("--only", choices=sorted(CONFIGS), help="benchmark one configuration")
    parser.add_argument("--train-only", action="store_true", help="train (and keep) the stock model, then stop")
    parser.add_argument(
        "--retrain", action="store_true", help="train the stock model again even if this training was measured before"
    )
    args = parser.parse_args()
    import rasa

    names = [args.only] if args.only else list(CONFIGS)
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        if args.train_only:
            workdir = Path(tmp) / "stock"
            workdir.mkdir()
            train(
                "stock",
                CONFIGS["stock"],
                workdir,
                env_for(workdir, free_port(), free_port()),
                reuse=not args.retrain,
                keep=True,
            )
            return
        results = bench(names, Path(tmp), args.seconds, args.retrain)
    data: Report = {
        "machine": {
            "cores": os.cpu_count(),
            "date": dt.date.today().isoformat(),
            "python": platform.python_version(),
            "rasa": rasa.__version__,
        },
        "seconds_per_level": args.seconds,
        "results": results,
        "components": bench_components(),
    }
    if len(results) == 2:
        data["comparison"] = compare(results)
        data["targets"] = targets(data["comparison"], data["components"])
        write_readme(data, "make bench")
    (OUT / "results.json").write_text(json.dumps(data, indent=1) + "\n")
    log("wrote benchmarks/results.json and benchmarks/README.md")


if __name__ == "__main__":
    main()
