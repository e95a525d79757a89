"""The reliability run (scripts/soak.sh): the five-process layout on loopback with its knowledge in a scratch
PostgreSQL cluster, under load from closed-loop clients, each service killed with SIGKILL mid-load and started
again, the database stopped and started in the middle of a stream of document uploads, then a corpus of bad input.
Prints figures and exits non-zero on what must never happen: a 500, a killed service the gateway does not name or
does not recover from, an acknowledged document lost or stored in part, bad input that is not a JSON 4xx, a stack
left unhealthy."""
import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

SERVICES = ["stt", "rag", "llm", "tts"]
QUESTIONS = ["How much is a return ferry ticket?", "What time does the library open on Saturday?", "What is Docker?",
             "When did the Zorblat Bridge open?", "How long does the ferry crossing take?", "What is the late fee for books?",
             "Is there a cloakroom at the market?", "How do I roll back a Kubernetes deployment?"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, data=None, headers=None, method=None, timeout=60):
    """(status, body bytes, headers); -1 when the connection failed."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)
    except Exception:
        return -1, b"", {}


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


class Postgres:
    """A scratch cluster of Debian's PostgreSQL on a free port (as the tests' PostgresServer). PostgreSQL refuses to
    run as root, so as root its programs run as the `postgres` user."""

    def __init__(self):
        versions = [int(v) for v in os.listdir("/usr/lib/postgresql") if v.isdigit()] if os.path.isdir("/usr/lib/postgresql") else []
        if not versions:
            sys.exit("PostgreSQL is not installed (bash scripts/setup.sh installs it)")
        self.bin = f"/usr/lib/postgresql/{max(versions)}/bin"
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="voice-soak-pg-")
        if os.geteuid() == 0:
            subprocess.run(["chown", "postgres", self.dir], check=True)
        self.data = os.path.join(self.dir, "data")
        self.run("initdb", "-D", self.data, "-U", "voice", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self.start()
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "voice", "knowledge")
        self.url = f"postgres://voice@127.0.0.1:{self.port}/knowledge"

    def run(self, program, *arguments):
        command = [os.path.join(self.bin, program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        with open(os.path.join(self.dir, "ctl.log"), "ab") as log:
            subprocess.run(command, check=True, stdout=log, stderr=log, stdin=subprocess.DEVNULL)

    def start(self):
        self.run("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-w", "-o",
                 f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")

    def stop(self):
        """At once, as a crash would: open transactions are lost, committed ones kept."""
        self.run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    def query(self, sql):
        command = [os.path.join(self.bin, "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "voice", "-d", "knowledge", "-Atc", sql]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()

    def remove(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        subprocess.run(["rm", "-rf", self.dir])


def restart_mid_ingest(stack, database, clients, wav):
    """Posts documents to RAG one after another while questions are asked, stops the database for longer than RAG's
    5 s wait for a connection, and starts it again. Every acknowledged document must be stored whole."""
    load = Load(stack.url, clients, wav)
    asking = threading.Thread(target=load.run, args=(20,))
    asking.start()
    acknowledged, answers = [], {}
    stop = threading.Event()

    def post():
        paragraph = " ".join(["The harbour office keeps lost property for thirty days."] * 12)
        index = 0
        while not stop.is_set():
            source = f"notice-{index}.md"
            body = json.dumps({"source": source, "text": "\n\n".join(f"Section {n}. {paragraph}" for n in range(4))}).encode()
            status, _, _ = request(f"http://127.0.0.1:{stack.ports['rag']}/documents", body, {"Content-Type": "application/json"})
            answers[status] = answers.get(status, 0) + 1
            if status == 201:
                acknowledged.append(source)
            index += 1

    poster = threading.Thread(target=post)
    poster.start()
    time.sleep(3)
    database.stop()
    time.sleep(7)
    database.start()
    time.sleep(5)
    stop.set()
    poster.join()
    asking.join()
    stored = set(database.query("SELECT source FROM documents"))
    partial = database.query("SELECT d.source FROM documents d LEFT JOIN chunks c ON c.document_id = d.id "
                             "GROUP BY d.id, d.source, d.chunk_count HAVING count(c.id) <> d.chunk_count")
    lost = [s for s in acknowledged if s not in stored]
    _, codes = load.summary()
    print(f"database restarted mid-ingest: uploads {dict(sorted(answers.items()))}, {len(acknowledged)} acknowledged, "
          f"{len(lost)} lost, {len(partial)} stored in part; questions meanwhile {dict(sorted(codes.items()))}")
    problems = [f"acknowledged documents lost: {lost[:5]}"] if lost else []
    problems += [f"documents stored in part: {partial[:5]}"] if partial else []
    problems += [f"{n} uploads answered {s}" for s, n in answers.items() if s not in (201, 503)]
    if codes.get(500):
        problems.append(f"{codes[500]} questions were 500 while the database restarted")
    if not answers.get(503):
        problems.append("no upload fell into the database's absence: the check proved nothing")
    return problems


class Stack:
    def __init__(self, binary, data, log_dir, database_url):
        self.binary, self.data, self.log_dir = binary, data, log_dir
        self.ports = {name: free_port() for name in SERVICES + ["gateway"]}
        # Five processes on one small machine: each service's inference threads spin while they wait, so more than
        # one each starves the others (deploy/k8s gives each pod its own CPU limit and threads to match).
        self.env = dict(os.environ, VOICE_THREADS=os.environ.get("VOICE_THREADS", "1"), VOICE_DATA_DIR=data, VOICE_RATE_LIMIT_RPS="100000", VOICE_RATE_LIMIT_BURST="100000",
                        VOICE_DATABASE_URL=database_url, **{f"VOICE_{s.upper()}_URL": f"http://127.0.0.1:{self.ports[s]}" for s in SERVICES})
        self.processes = {}

    @property
    def url(self):
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def start(self, name):
        log = open(os.path.join(self.log_dir, f"{name}.log"), "ab")
        self.processes[name] = subprocess.Popen([self.binary, "serve", name, "--port", str(self.ports[name])],
                                                env=self.env, stdout=log, stderr=log)

    def healthy(self, name, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if request(f"http://127.0.0.1:{self.ports[name]}/health", timeout=2)[0] == 200:
                return True
            time.sleep(0.2)
        return False

    def kill(self, name):
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait()

    def stop(self):
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


class Load:
    """Closed-loop clients: each asks (typed, or spoken for `spoken_share`), waits, and asks again."""

    def __init__(self, url, clients, wav, spoken_share=0.3):
        self.url, self.clients, self.wav, self.spoken_share = url, clients, wav, spoken_share
        self.results = []
        self.lock = threading.Lock()

    def run(self, seconds):
        stop = time.time() + seconds

        def client():
            while time.time() < stop:
                if random.random() < self.spoken_share:
                    path, body, kind = "/voice/query", self.wav, "audio/wav"
                else:
                    path, body, kind = "/text/query", json.dumps({"query": random.choice(QUESTIONS)}).encode(), "application/json"
                started = time.time()
                status, payload, _ = request(self.url + path, data=body, headers={"Content-Type": kind})
                with self.lock:
                    self.results.append((status, time.time() - started, payload[:300]))
                if status in (429, 503, -1):
                    time.sleep(0.5)

        threads = [threading.Thread(target=client) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return self

    def summary(self):
        answered = [d for s, d, _ in self.results if s == 200]
        codes = {}
        for status, _, _ in self.results:
            codes[status] = codes.get(status, 0) + 1
        return answered, codes


def bad_input(url):
    """Each case must be a JSON 4xx; returns the failures."""
    wav_header = b"RIFF\x24\x00\x00\x00WAVEfmt "
    cases = [
        ("empty upload", "/voice/query", b"", "audio/wav"),
        ("truncated WAV header", "/voice/query", wav_header, "audio/wav"),
        ("random bytes as WAV", "/voice/query", os.urandom(4096), "audio/wav"),
        ("unsupported type", "/voice/query", b"hello", "text/plain"),
        ("empty query", "/text/query", b'{"query": ""}', "application/json"),
        ("not JSON", "/text/query", b"{nope", "application/json"),
        ("over-long query", "/text/query", json.dumps({"query": "x" * 5000}).encode(), "application/json"),
        ("not UTF-8", "/text/query", b'{"query": "\xff\xfe"}', "application/json"),
    ]
    failures = []
    for name, path, body, kind in cases:
        status, payload, _ = request(url + path, data=body, headers={"Content-Type": kind})
        try:
            json.loads(payload)["error"]
            is_json = True
        except Exception:
            is_json = False
        if not (400 <= status < 500 and is_json):
            failures.append(f"{name}: {status} {payload[:120]!r}")
    # The gateway answers an oversized body with 413 before reading it and closes the connection; curl reads that
    # answer while still sending, urllib does not.
    huge = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: audio/wav",
                           "--data-binary", "@-", url + "/voice/query"], input=b"\0" * (30 << 20), capture_output=True)
    if huge.stdout != b"413":
        failures.append(f"huge body: {huge.stdout!r}")
    for path in ["/audio/..%2F..%2Fetc%2Fpasswd", "/audio/../knowledge.db", "/widget/..%2F..%2FPackage.swift", "/..%2Fknowledge.db"]:
        status, payload, _ = request(url + path)
        if status not in (400, 403, 404):
            failures.append(f"traversal {path}: {status}")
    return failures


def log_tail(folder, name):
    """The end of a service's log, which goes with the temporary folder."""
    with open(os.path.join(folder, f"{name}.log"), "rb") as log:
        return log.read()[-1500:].decode(errors="replace")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="length of the load phase")
    parser.add_argument("--kill-seconds", type=float, default=20, help="load while each service is killed and restarted")
    parser.add_argument("--wav", required=True)
    args = parser.parse_args()
    problems = []
    database = Postgres()
    with tempfile.TemporaryDirectory(prefix="voice-soak-") as data:
        stack = Stack(args.binary, data, data, database.url)
        try:
            for name in SERVICES:
                stack.start(name)
            for name in SERVICES:
                if not stack.healthy(name, 240):
                    sys.exit(f"{name} did not start:\n{log_tail(data, name)}")
            stack.start("gateway")
            if not stack.healthy("gateway", 60):
                sys.exit(f"the gateway did not start:\n{log_tail(data, 'gateway')}")

            unloaded = Load(stack.url, 1, open(args.wav, "rb").read()).run(15)
            base, _ = unloaded.summary()
            print(f"unloaded: {len(base)} answered, p50 {percentile(base, 50):.2f} s, p99 {percentile(base, 99):.2f} s")

            load = Load(stack.url, args.clients, open(args.wav, "rb").read()).run(args.seconds)
            answered, codes = load.summary()
            print(f"load, {args.clients} clients for {args.seconds:.0f} s: {len(answered) / args.seconds:.1f} answered/s, "
                  f"p50 {percentile(answered, 50):.2f} s, p95 {percentile(answered, 95):.2f} s, p99 {percentile(answered, 99):.2f} s; "
                  f"statuses {dict(sorted(codes.items()))}")
            if codes.get(500):
                problems.append(f"{codes[500]} responses were 500 under load")
            other = {s: n for s, n in codes.items() if s not in (200, 429, 503, 504)}
            if other:
                problems.append(f"statuses other than 200/429/503/504 under load: {other}")
            if answered and base and percentile(answered, 99) > 3 * percentile(base, 99):
                print(f"  note: loaded p99 is {percentile(answered, 99) / percentile(base, 99):.1f}× the unloaded p99")

            for name in SERVICES:
                killed = Load(stack.url, max(2, args.clients // 5), open(args.wav, "rb").read())
                runner = threading.Thread(target=killed.run, args=(args.kill_seconds,))
                runner.start()
                time.sleep(args.kill_seconds / 4)
                stack.kill(name)
                down = time.time()
                named = None
                while time.time() - down < 15:
                    status, payload, _ = request(stack.url + "/health", timeout=5)
                    if status == 503 and name in json.loads(payload or b"{}").get("failing", []):
                        named = time.time() - down
                        break
                    time.sleep(0.1)
                stack.start(name)
                recovered = None
                if stack.healthy(name, 240):
                    restarted = time.time()
                    while time.time() - restarted < 30:
                        if request(stack.url + "/health", timeout=5)[0] == 200:
                            recovered = time.time() - down
                            break
                        time.sleep(0.2)
                runner.join()
                _, codes = killed.summary()
                stages = set()
                for status, _, payload in killed.results:
                    if status in (503, 504):
                        try:
                            stages.add(json.loads(payload)["error"].get("stage"))
                        except Exception:
                            pass
                print(f"killed {name}: named by /health after {named if named is None else round(named, 2)} s, healthy again "
                      f"{recovered if recovered is None else round(recovered, 1)} s after the kill; statuses {dict(sorted(codes.items()))}, "
                      f"errors named {sorted(s for s in stages if s)}")
                if named is None:
                    problems.append(f"the gateway never named {name} as failing")
                if recovered is None:
                    problems.append(f"the gateway did not recover after {name} came back")
                if codes.get(500):
                    problems.append(f"{codes[500]} responses were 500 while {name} was down")

            database_problems = restart_mid_ingest(stack, database, max(2, args.clients // 5), open(args.wav, "rb").read())
            problems += database_problems
            if not stack.healthy("rag", 30):
                problems.append("RAG did not recover after the database came back")

            failures = bad_input(stack.url)
            print(f"bad input: {len(failures)} of 13 cases not a JSON 4xx" + "".join(f"\n  {f}" for f in failures))
            problems += failures
            if request(stack.url + "/health")[0] != 200:
                problems.append("the stack is not healthy at the end")
            if problems:
                for name in SERVICES + ["gateway"]:
                    print(f"--- {name}.log (end)\n{log_tail(data, name)}")
        finally:
            stack.stop()
            database.remove()
    for problem in problems:
        print(f"FAIL: {problem}")
    print("soak: " + ("passed" if not problems else f"{len(problems)} problems"))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
