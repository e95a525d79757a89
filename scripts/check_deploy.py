#!/usr/bin/env python3
"""Static and behavioural checks of the deployment files, with no Docker engine and no cluster.

Run through scripts/check-deploy.sh, which installs the tools and passes their paths. Each check prints
`ok` or `FAIL` with the reason; the exit status is non-zero when any check fails. `--self-test` breaks
copies of the files on purpose and requires every breakage to be caught, so the checks themselves can fail.
"""
import argparse
import functools
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml
from kubernetes_validate import utils as kubernetes_schemas

# Every validation would otherwise parse the same megabyte of schema definitions again.
kubernetes_schemas.schema_contents = functools.lru_cache(maxsize=None)(kubernetes_schemas.schema_contents)

# The seed's services and ports, and its production replica counts.
SEED_PORTS = {"gateway": 9000, "stt": 8001, "rag": 8002, "llm": 8003, "tts": 8004}
SEED_REPLICAS = {"gateway": 3, "stt": 2, "rag": 2, "llm": 2, "tts": 2}
SECURITY_HEADERS = ["Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options",
                    "X-Frame-Options", "Referrer-Policy", "Permissions-Policy"]
# Kinds that live in a namespace (everything the manifests use except Namespace itself).
CLUSTER_SCOPED = {"Namespace"}


class CheckFailed(Exception):
    pass


class CheckSkipped(Exception):
    pass


def require(condition, message):
    if not condition:
        raise CheckFailed(message)


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def read_env_file(path):
    values = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key] = value.strip('"')
    return values


class Checks:
    def __init__(self, root, tools, quiet=False):
        self.root = Path(root)
        self.tools = tools
        self.quiet = quiet
        self.results = []
        self.versions = read_env_file(self.root / "versions.env")

    def check(self, name, function):
        try:
            detail = function()
            self.results.append((name, None))
            if not self.quiet:
                print(f"ok    {name}" + (f" ({detail})" if detail else ""))
        except CheckFailed as error:
            self.results.append((name, str(error)))
            if not self.quiet:
                print(f"FAIL  {name}: {error}")
        except CheckSkipped as reason:
            if not self.quiet:
                print(f"skip  {name}: {reason}")

    @property
    def failures(self):
        return [(name, error) for name, error in self.results if error]

    # Docker Compose

    def compose_models(self):
        """The compose file as Docker Compose renders it, for each profile set; raw YAML without the binary."""
        compose = self.tools.get("compose")
        scenarios = {"default": ([], {}), "chroma": (["chroma"], {"VOICE_VECTOR_STORE": "chroma"}),
                     "all-profiles": (["chroma", "proxy", "observability"], {})}
        models = {}
        for name, (profiles, overrides) in scenarios.items():
            if not compose:
                raw = yaml.safe_load((self.root / "docker-compose.yml").read_text())
                raw["services"] = {key: value for key, value in raw["services"].items()
                                   if not value.get("profiles") or set(value["profiles"]) & set(profiles)}
                models[name] = raw
                continue
            environment = {key: value for key, value in os.environ.items() if not key.startswith(("VOICE_", "COMPOSE_"))}
            # .env.example leaves the database password empty, which compose refuses: as an operator's .env would.
            environment.update({"VOICE_DB_PASSWORD": "checked"} | overrides)
            command = [compose, "--project-directory", str(self.root), "-f", str(self.root / "docker-compose.yml"),
                       "--env-file", str(self.root / ".env.example")]
            for profile in profiles:
                command += ["--profile", profile]
            result = run(command + ["config", "--format", "json"], env=environment)
            require(result.returncode == 0, f"docker compose config ({name}) failed: {result.stderr.strip()[:400]}")
            models[name] = json.loads(result.stdout)
        return models

    def check_compose(self):
        models = self.compose_models()
        services = models["default"]["services"]
        expected = set(SEED_PORTS) | {"postgres"}
        require(set(services) == expected, f"default services are {sorted(services)}, expected {sorted(expected)}")
        for name, port in SEED_PORTS.items():
            service = services[name]
            command = service.get("command") or []
            require(command[:2] == ["serve", name], f"{name}: command {command} does not start `voice serve {name}`")
            require("--port" in command and command[command.index("--port") + 1] == str(port),
                    f"{name}: not on the seed's port {port}")
            require("voice-network" in (service.get("networks") or {}), f"{name}: not on voice-network")
            require(service.get("restart") in ("unless-stopped", "always"), f"{name}: no restart policy")
            test = " ".join((service.get("healthcheck") or {}).get("test") or [])
            require(f":{port}/health" in test, f"{name}: health check does not probe :{port}/health")
            ports = service.get("ports") or []
            if name == "gateway":
                require(any(int(p["target"] if isinstance(p, dict) else str(p).split(":")[-1]) == 9000 and
                            str(p["published"] if isinstance(p, dict) else str(p).split(":")[-2]) in ("9000", "${VOICE_PORT:-9000}")
                            for p in ports), f"gateway: port 9000 not published ({ports})")
            else:
                require(not ports, f"{name}: publishes {ports}; only the gateway is exposed")
        networks = models["default"].get("networks") or {}
        require(networks.get("voice-network", {}).get("name") == "voice-network", "network voice-network not named so")

        def mounts(service, target):
            found = []
            for volume in service.get("volumes") or []:
                if isinstance(volume, dict):
                    if volume.get("target") == target and volume.get("type") == "volume":
                        found.append(volume["source"])
                elif volume.split(":")[1] == target:
                    found.append(volume.split(":")[0])
            return found
        audio = mounts(services["gateway"], "/app/audio")
        require(audio and audio == mounts(services["tts"], "/app/audio"),
                "gateway and tts do not share one named volume at /app/audio")
        postgres = services["postgres"]
        require(mounts(postgres, "/var/lib/postgresql/data"), "postgres keeps its data in no named volume")
        require("pg_isready" in " ".join((postgres.get("healthcheck") or {}).get("test") or []), "postgres has no pg_isready health check")
        require(str((services["rag"].get("environment") or {}).get("VOICE_DATABASE_URL", "")).startswith("postgres://voice:")
                and "@postgres:5432/voice" in str(services["rag"]["environment"]["VOICE_DATABASE_URL"]),
                "rag is not pointed at the postgres service")
        require((services["rag"].get("depends_on") or {}).get("postgres", {}).get("condition") == "service_healthy",
                "rag does not wait for a healthy postgres")
        gateway_environment = services["gateway"].get("environment") or {}
        for name in ("stt", "rag", "llm", "tts"):
            url = gateway_environment.get(f"VOICE_{name.upper()}_URL")
            require(url == f"http://{name}:{SEED_PORTS[name]}", f"gateway: VOICE_{name.upper()}_URL is {url}")

        chroma = models["chroma"]["services"]
        require("chroma" in chroma, "the chroma profile starts no chroma service")
        rag_environment = chroma["rag"].get("environment") or {}
        require(rag_environment.get("VOICE_VECTOR_STORE") == "chroma" and
                rag_environment.get("VOICE_CHROMA_URL") == "http://chroma:8000",
                "with the chroma profile, rag is not pointed at http://chroma:8000")
        tag = chroma["chroma"]["image"].rsplit(":", 1)[-1]
        require(tag == self.versions["CHROMADB_VERSION"],
                f"Chroma image {tag} differs from CHROMADB_VERSION {self.versions['CHROMADB_VERSION']}")
        everything = models["all-profiles"]["services"]
        for name in ("nginx", "prometheus", "grafana", "loki", "alloy"):
            require(name in everything, f"no {name} service in the optional profiles")
        for name, service in everything.items():
            for volume in service.get("volumes") or []:
                source = volume.get("source") if isinstance(volume, dict) else volume.split(":")[0]
                kind = volume.get("type") if isinstance(volume, dict) else ("bind" if source.startswith((".", "/")) else "volume")
                if kind == "bind" and source.startswith(str(self.root)) and "certs" not in source:
                    require(Path(source).exists(), f"{name}: bind mount {source} does not exist in the repository")
        return "rendered by docker compose" if self.tools.get("compose") else "YAML only: no compose binary here"

    def check_env_example(self):
        documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (self.root / ".env.example").read_text(), re.M))
        used = set()
        for path in [self.root / "docker-compose.yml", *sorted((self.root / "deploy/compose").glob("*.yml"))]:
            used |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", path.read_text()))
        missing = sorted(used - documented)
        require(not missing, f"variables used by the compose files but not in .env.example: {missing}")
        return f"{len(used)} variables"

    # Dockerfile

    def dockerfile_instructions(self):
        text = (self.root / "deploy/Dockerfile").read_text()
        logical, current = [], ""
        for line in text.splitlines():
            if not current and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if line.lstrip().startswith("#"):
                continue
            current += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
            if not line.endswith("\\"):
                keyword, _, rest = current.strip().partition(" ")
                logical.append((keyword.upper(), rest.strip()))
                current = ""
        return logical

    def check_dockerfile(self):
        instructions = self.dockerfile_instructions()
        stages, current, global_args = {}, None, {}
        for keyword, rest in instructions:
            if keyword == "ARG" and current is None:
                name, _, default = rest.partition("=")
                global_args[name] = default
            elif keyword == "FROM":
                parts = rest.split()
                current = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
                base = re.sub(r"\$\{(\w+)\}", lambda m: global_args.get(m.group(1), m.group(0)), parts[0])
                require(current is not None, f"unnamed stage FROM {parts[0]}")
                if base != "scratch" and base not in stages:
                    require(":" in base and not base.endswith(":latest"), f"stage {current}: base {base} has no pinned tag")
                stages[current] = {"base": base, "instructions": []}
            else:
                require(current is not None, f"{keyword} before the first FROM")
                stages[current]["instructions"].append((keyword, rest))
        require(list(stages)[-1] == "runtime", "the last stage (the default target) is not `runtime`")
        require(global_args.get("MODELS") == "baked", "ARG MODELS does not default to baked")
        require((self.root / "knowledge").is_dir(), "knowledge/ (copied into the image for RAG) is missing")
        for mode in ("baked", "mounted"):
            require(f"runtime-{mode}" in stages, f"no runtime-{mode} stage for MODELS={mode}")
        ignored = [line.strip() for line in (self.root / ".dockerignore").read_text().splitlines()
                   if line.strip() and not line.startswith("#")]
        for required in (".git", ".build", ".deps", "models", ".env"):
            require(required in ignored, f".dockerignore does not exclude {required}")
        for name, stage in stages.items():
            for keyword, rest in stage["instructions"]:
                if keyword != "COPY":
                    continue
                words = rest.split()
                source_stage = next((w.split("=", 1)[1] for w in words if w.startswith("--from=")), None)
                paths = [w for w in words if not w.startswith("--")]
                if source_stage:
                    require(source_stage in stages and list(stages).index(source_stage) < list(stages).index(name),
                            f"stage {name}: COPY --from={source_stage} names no earlier stage")
                    continue
                for source in paths[:-1]:
                    if source == ".":
                        continue
                    require((self.root / source).exists(), f"stage {name}: COPY {source} is not in the repository")
                    require(source.split("/")[0] not in ignored, f"stage {name}: COPY {source} is excluded by .dockerignore")
        runtime = {}
        for keyword, rest in stages["runtime-base"]["instructions"]:
            runtime[keyword] = (runtime[keyword] + " && " + rest) if keyword == "RUN" and keyword in runtime else rest
        user = runtime.get("USER", "")
        require(user and user.split(":")[0] not in ("0", "root"), f"runtime user is `{user or 'root'}`")
        require("HEALTHCHECK" in runtime and "/health" in runtime["HEALTHCHECK"], "runtime stage has no /health HEALTHCHECK")
        entrypoint = json.loads(runtime.get("ENTRYPOINT", "[]"))
        require(entrypoint[:1] == ["/usr/bin/tini"] and entrypoint[-1] == "/app/bin/voice",
                f"entrypoint {entrypoint} is not tini running /app/bin/voice")
        exposed = {int(port) for port in runtime.get("EXPOSE", "").split()}
        require(exposed == set(SEED_PORTS.values()), f"EXPOSE {sorted(exposed)} is not the seed's ports")
        packages = re.findall(r"apt-get install[^&]*?--no-install-recommends\s+([^&]+)", runtime.get("RUN", ""))
        require(packages, "runtime stage installs no packages")
        names = packages[0].replace("\\", " ").split()
        if list(Path("/var/lib/apt/lists").glob("*Packages*")):
            listed = run(["apt-cache", "show", "--no-all-versions"] + names).stdout
            unknown = sorted(set(names) - set(re.findall(r"^Package: (\S+)", listed, re.M)))
            require(not unknown, f"runtime packages unknown to Debian: {unknown}")
            return f"{len(stages)} stages; {len(names)} runtime packages exist in Debian"
        return f"{len(stages)} stages"

    def check_binary_layout(self):
        """The image puts `voice` in /app/bin and the engines in /app/lib. The built binary, copied into that
        layout with the build's own engine folder hidden, must still load every engine and run."""
        binary = next((p for p in (self.root / ".build/release/voice", self.root / ".build/debug/voice") if p.exists()), None)
        if binary is None:
            raise CheckSkipped("no built voice binary (scripts/setup.sh builds one)")
        dynamic = run(["readelf", "-d", str(binary)]).stdout
        require("$ORIGIN/../lib" in dynamic, "the binary has no $ORIGIN/../lib rpath")
        with tempfile.TemporaryDirectory() as directory:
            app = Path(directory) / "app"
            (app / "bin").mkdir(parents=True)
            shutil.copy(binary, app / "bin/voice")
            shutil.copytree((self.root / ".deps/prefix/lib").resolve(), app / "lib", symlinks=True,
                            ignore=shutil.ignore_patterns("cmake", "pkgconfig", "*.a"))
            script = (f'mount -t tmpfs none "{self.root}/.deps" && ldd "{app}/bin/voice" && '
                      f'VOICE_MODELS_DIR="{directory}/models" "{app}/bin/voice" doctor')
            result = run(["unshare", "--mount", "sh", "-c", script])
            if result.returncode != 0 and "unshare" in result.stderr:
                raise CheckSkipped(f"no mount namespace here: {result.stderr.strip()}")
            require(result.returncode == 0, f"voice does not run from the image layout: {(result.stdout + result.stderr).strip()[-400:]}")
            engines = [line for line in result.stdout.splitlines() if re.search(r"lib(llama|whisper|ggml)", line)]
            require(engines and all(f"{app}/bin/../lib/" in line for line in engines),
                    f"engines not loaded from /app/lib: {engines}")
            require("whisper.cpp" in result.stdout, "voice doctor printed no engine versions")
        return f"{len(engines)} engine libraries from /app/lib; `voice doctor` runs"

    # Nginx

    def nginx_config(self, directory, http_port, https_port, upstream):
        """voice.conf with test certificates, loopback ports and a temporary prefix; nothing else changed."""
        directory.chmod(0o755)  # nginx's workers (nobody) write request bodies below it
        certs = directory / "certs"
        certs.mkdir()
        result = run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                      "-keyout", str(certs / "privkey.pem"), "-out", str(certs / "fullchain.pem")])
        require(result.returncode == 0, f"openssl: {result.stderr.strip()}")
        text = (self.root / "deploy/nginx/voice.conf").read_text()
        text = text.replace("/etc/nginx/certs/", f"{certs}/").replace("/var/log/nginx/", f"{directory}/")
        text = re.sub(r"listen \[::\]:\d+[^;]*;\n", "", text)
        text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
        if upstream:
            text = text.replace("server gateway:9000;", f"server {upstream};")
        (directory / "voice.conf").write_text(text)
        temp = "".join(f"{kind}_temp_path {directory}/{kind};\n    " for kind in
                       ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (directory / "nginx.conf").write_text(f"""pid {directory}/nginx.pid;
error_log {directory}/error.log;
events {{}}
http {{
    {temp}access_log {directory}/access.log;
    include {directory}/voice.conf;
}}
""")
        return directory / "nginx.conf"

    def nginx(self, arguments, config, resolve_gateway):
        """Runs nginx; `gateway` resolves to loopback in a private mount namespace, as it would on voice-network."""
        command = ["nginx", "-p", str(config.parent), "-c", str(config), "-e", str(config.parent / "error.log")] + arguments
        if resolve_gateway:
            hosts = config.parent / "hosts"
            hosts.write_text("127.0.0.1 localhost gateway\n")
            return run(["unshare", "--mount", "sh", "-c", f'mount --bind "{hosts}" /etc/hosts && exec "$@"', "sh"] + command)
        return run(command)

    def check_nginx_syntax(self):
        with tempfile.TemporaryDirectory() as directory:
            config = self.nginx_config(Path(directory), 80, 443, None)
            result = self.nginx(["-t", "-q"], config, resolve_gateway=True)
            how = "upstream gateway resolved in a private mount namespace"
            if result.returncode != 0 and "unshare" in result.stderr:
                config.parent.joinpath("voice.conf").write_text(
                    config.parent.joinpath("voice.conf").read_text().replace("server gateway:9000;", "server 127.0.0.1:9000;"))
                result, how = self.nginx(["-t", "-q"], config, resolve_gateway=False), "upstream replaced by loopback"
            require(result.returncode == 0, f"nginx -t: {result.stderr.strip()}")
        return how

    def check_nginx_behaviour(self):
        """Starts nginx on loopback with no gateway behind it and checks what nginx answers by itself."""
        ports = []
        for _ in range(3):
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                ports.append(probe.getsockname()[1])
        http_port, https_port, dead_port = ports
        with tempfile.TemporaryDirectory() as directory:
            config = self.nginx_config(Path(directory), http_port, https_port, f"127.0.0.1:{dead_port}")
            result = self.nginx(["-g", "daemon on;"], config, resolve_gateway=False)
            require(result.returncode == 0, f"nginx did not start: {result.stderr.strip()}")
            try:
                return self.probe_nginx(http_port, https_port)
            finally:
                pid = Path(directory, "nginx.pid")
                if pid.exists():
                    os.kill(int(pid.read_text()), 15)
                    for _ in range(50):
                        if not pid.exists():
                            break
                        time.sleep(0.1)

    def probe_nginx(self, http_port, https_port):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None
        opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))

        def request(path, method="GET", data=None, base=f"https://127.0.0.1:{https_port}", headers=None):
            call = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
            try:
                with opener.open(call, timeout=10) as response:
                    return response.status, response.headers
            except urllib.error.HTTPError as error:
                return error.code, error.headers

        status, headers = request("/voice/query", base=f"http://127.0.0.1:{http_port}")
        require(status == 301 and headers["Location"].startswith("https://"), f"plain HTTP answered {status}, not a redirect")
        with socket.create_connection(("127.0.0.1", https_port), timeout=5) as raw:
            with context.wrap_socket(raw) as tls:
                require(tls.version() == "TLSv1.3", f"negotiated {tls.version()}, not TLS 1.3")
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.check_hostname, old.verify_mode, old.maximum_version = False, ssl.CERT_NONE, ssl.TLSVersion.TLSv1_2
        with socket.create_connection(("127.0.0.1", https_port), timeout=5) as raw:
            try:
                with old.wrap_socket(raw):
                    raise CheckFailed("a TLS 1.2 handshake was accepted")
            except ssl.SSLError:
                pass
        status, headers = request("/metrics")
        require(status == 404, f"/metrics answered {status} through the proxy")
        missing = [name for name in SECURITY_HEADERS if not headers.get(name)]
        require(not missing, f"security headers missing: {missing}")
        require("frame-ancestors 'none'" in headers["Content-Security-Policy"], "CSP allows framing")
        def upload_status(path, size, send_body):
            """nginx judges Content-Length before reading a body; an accepted one is read, then proxied."""
            with socket.create_connection(("127.0.0.1", https_port), timeout=30) as raw:
                with context.wrap_socket(raw) as tls:
                    tls.sendall(f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                                f"Content-Length: {size}\r\nConnection: close\r\n\r\n".encode())
                    if send_body:
                        tls.sendall(b"x" * size)
                    return int(tls.recv(64).split()[1])
        require(upload_status("/text/query", 65 * 1024, False) == 413, "a 65 KB text question was not refused with 413")
        require(upload_status("/voice/query", 26 << 20, False) == 413, "a 26 MB upload was not refused with 413")
        status = upload_status("/voice/query", 5 << 20, True)
        require(status == 502, f"a 5 MB upload answered {status}, not 502 from the absent gateway")
        status, _ = request("/voice/query", "DELETE")
        require(status == 403, f"DELETE /voice/query answered {status}, not 403")
        statuses = [request("/text/query", "POST", b"{}", headers={"Content-Type": "application/json"})[0]
                    for _ in range(12)]
        require(429 in statuses, f"12 questions at once were never rate limited: {statuses}")
        return "redirect, TLS 1.3 only, headers, 413, 403, 429 observed"

    # Kubernetes

    def render_kustomizations(self, directory):
        """The base, and overlays enabling each optional component, as `kubectl apply -k` would apply them."""
        kubectl = self.tools["kubectl"]
        components = sorted(p.parent for p in (self.root / "deploy/k8s/components").glob("*/kustomization.yaml"))
        variants = {"base": []} | {c.name: [c] for c in components} | {"all-components": components}
        rendered = {}
        for name, chosen in variants.items():
            overlay = Path(directory) / name
            overlay.mkdir()
            (overlay / "kustomization.yaml").write_text(yaml.safe_dump({
                "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                "resources": [os.path.relpath(self.root / "deploy", overlay)],
                "components": [os.path.relpath(c, overlay) for c in chosen]}))
            result = run([kubectl, "kustomize", str(overlay)])
            require(result.returncode == 0, f"kubectl kustomize ({name}): {result.stderr.strip()[:400]}")
            rendered[name] = [d for d in yaml.safe_load_all(result.stdout) if d]
        return rendered

    def check_kubernetes(self):
        versions = self.versions["KUBERNETES_VERSIONS"].split()
        with tempfile.TemporaryDirectory() as directory:
            rendered = self.render_kustomizations(directory)
        count = 0
        for variant, documents in rendered.items():
            for document in documents:
                for version in versions:
                    try:
                        kubernetes_schemas.validate(document, version, strict=True)
                    except Exception as error:
                        message = getattr(error, "message", str(error))
                        path = "/".join(str(p) for p in getattr(error, "absolute_path", []))
                        raise CheckFailed(f"{variant}: {document['kind']}/{document['metadata']['name']} "
                                          f"(Kubernetes {version}) {path}: {message}")
                count += 1
            self.check_kubernetes_references(variant, documents)
        gpu = {d["metadata"]["name"]: d for d in rendered["gpu-llm"] if d["kind"] == "Deployment"}["llm"]
        spec = gpu["spec"]["template"]["spec"]
        require(spec.get("nodeSelector") and spec["containers"][0]["resources"]["limits"].get("nvidia.com/gpu"),
                "gpu-llm does not put the LLM on GPU nodes")
        for variant, documents in rendered.items():
            postgres = {d["metadata"]["name"]: d for d in documents if d["kind"] == "StatefulSet"}.get("postgres")
            require(postgres and postgres["spec"].get("volumeClaimTemplates"), f"{variant}: no PostgreSQL StatefulSet with a volume")
            rag = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}["rag"]
            rag_env = {e["name"]: e.get("value", "") for e in rag["spec"]["template"]["spec"]["containers"][0].get("env", [])}
            require("@postgres:5432/" in rag_env.get("VOICE_DATABASE_URL", ""), f"{variant}: rag is not pointed at the postgres Service")
            require(not any("emptyDir" in v and v["name"] == "data" for v in rag["spec"]["template"]["spec"].get("volumes", [])),
                    f"{variant}: rag keeps knowledge in a per-pod emptyDir")
        chroma_config = {d["metadata"]["name"]: d for d in rendered["chroma"] if d["kind"] == "ConfigMap"}["voice-config"]
        require(chroma_config["data"].get("VOICE_VECTOR_STORE") == "chroma", "the chroma component does not switch RAG to Chroma")
        return f"{count} documents in {len(rendered)} variants, strict schemas of Kubernetes {', '.join(versions)}"

    def check_kubernetes_references(self, variant, documents):
        def named(kind):
            return {d["metadata"]["name"]: d for d in documents if d["kind"] == kind}
        for document in documents:
            if document["kind"] not in CLUSTER_SCOPED:
                require(document["metadata"].get("namespace") == "voice",
                        f"{variant}: {document['kind']}/{document['metadata']['name']} is not in namespace voice")
        deployments, services = named("Deployment"), named("Service")
        config_maps, secrets, claims = named("ConfigMap"), named("Secret"), named("PersistentVolumeClaim")
        workloads = list(deployments.values()) + list(named("StatefulSet").values())
        for name, replicas in SEED_REPLICAS.items():
            require(name in deployments, f"{variant}: no Deployment {name}")
            require(deployments[name]["spec"]["replicas"] == replicas, f"{variant}: {name} has "
                    f"{deployments[name]['spec']['replicas']} replicas, the seed says {replicas}")
            container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
            port = SEED_PORTS[name]
            require(container["args"][:2] == ["serve", name] and str(port) in container["args"],
                    f"{variant}: {name} does not run `voice serve {name} --port {port}`")
            for probe in ("readinessProbe", "livenessProbe"):
                require(container.get(probe, {}).get("httpGet", {}).get("path") == "/health", f"{variant}: {name} {probe} is not /health")
            resources = container.get("resources", {})
            require(resources.get("requests") and resources.get("limits"), f"{variant}: {name} lacks requests or limits")
            annotations = deployments[name]["spec"]["template"]["metadata"].get("annotations", {})
            require(annotations.get("prometheus.io/port") == str(port), f"{variant}: {name} scrape port is not {port}")
            require(services.get(name, {}).get("spec", {}).get("ports", [{}])[0].get("port") == port,
                    f"{variant}: Service {name} is not on port {port}")
        for workload in workloads:
            name, spec = workload["metadata"]["name"], workload["spec"]
            labels = spec["template"]["metadata"]["labels"]
            require(spec["selector"]["matchLabels"].items() <= labels.items(), f"{variant}: {name} selector misses its pods")
            pod = spec["template"]["spec"]
            for container in pod["containers"]:
                port_names = {p.get("name") for p in container.get("ports", [])}
                for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                    handler = container.get(probe, {})
                    probe_port = (handler.get("httpGet") or handler.get("tcpSocket") or {}).get("port")
                    require(probe_port is None or isinstance(probe_port, int) or probe_port in port_names,
                            f"{variant}: {name} {probe} port {probe_port} is not a container port")
                for source in container.get("envFrom", []):
                    if "configMapRef" in source:
                        require(source["configMapRef"]["name"] in config_maps, f"{variant}: {name} reads a missing ConfigMap")
                    if "secretRef" in source:
                        require(source["secretRef"]["name"] in secrets, f"{variant}: {name} reads a missing Secret")
            for volume in pod.get("volumes", []):
                if "persistentVolumeClaim" in volume:
                    require(volume["persistentVolumeClaim"]["claimName"] in claims, f"{variant}: {name} mounts a missing claim")
                if "configMap" in volume:
                    require(volume["configMap"]["name"] in config_maps, f"{variant}: {name} mounts a missing ConfigMap")
        for service in services.values():
            selector = service["spec"]["selector"].items()
            targets = [w for w in workloads if selector <= w["spec"]["template"]["metadata"]["labels"].items()]
            require(targets, f"{variant}: Service {service['metadata']['name']} selects no pods")
            for port in service["spec"]["ports"]:
                container_ports = {p.get("name") for c in targets[0]["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}
                require(port["targetPort"] in container_ports, f"{variant}: Service {service['metadata']['name']} "
                        f"targets port {port['targetPort']}, which its pods do not name")
        for hpa in named("HorizontalPodAutoscaler").values():
            target = hpa["spec"]["scaleTargetRef"]["name"]
            require(target in deployments, f"{variant}: HPA {hpa['metadata']['name']} scales a missing Deployment")
            require(hpa["spec"]["minReplicas"] == deployments[target]["spec"]["replicas"],
                    f"{variant}: HPA {target} minReplicas differs from the Deployment's replicas")
        audio = {v["persistentVolumeClaim"]["claimName"] for name in ("gateway", "tts")
                 for v in deployments[name]["spec"]["template"]["spec"].get("volumes", []) if "persistentVolumeClaim" in v}
        require(len(audio) == 1 and claims[audio.pop()]["spec"]["accessModes"] == ["ReadWriteMany"],
                f"{variant}: gateway and tts do not share one ReadWriteMany audio claim")

    # Prometheus and Grafana

    def known_metrics(self):
        """Metric names the code defines, as swift-prometheus exposes them (invalid characters become `_`):
        labels of swift-metrics constructors and registry factories, in our sources and Hummingbird's, and any
        string literal in our sources in the project's own `voice_` namespace (names kept in constants)."""
        pattern = re.compile(r'\b(?:Counter|FloatingPointCounter|Timer|Recorder|Meter|Gauge)\(\s*label:\s*"([^"]+)"'
                             r'|\bmake(?:Counter|Gauge|DurationHistogram|ValueHistogram|Summary)\(\s*name:\s*"([^"]+)"')
        hummingbird = self.root / ".build/checkouts/hummingbird/Sources"
        require(hummingbird.is_dir(), "no .build/checkouts/hummingbird: resolve the packages first (scripts/setup.sh)")
        names = {"up"}
        for directory in (self.root / "Sources", hummingbird):
            for path in directory.rglob("*.swift"):
                text = path.read_text(errors="replace")
                for match in pattern.finditer(text):
                    names.add(re.sub(r"[^A-Za-z0-9_:]", "_", match.group(1) or match.group(2)))
                if directory.name == "Sources" and directory.parent == self.root:
                    names.update(re.findall(r'"(voice_[a-z0-9_]+)"', text))
        return names

    @staticmethod
    def promql_metrics(expression):
        """Metric names in a PromQL expression: what is left once strings, label sets, ranges, grouping
        clauses, functions, keywords and numbers are taken out."""
        text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expression)
        text = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", text)
        text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
        text = re.sub(r"\b[a-zA-Z_]+\s*\(", "(", text)
        keywords = {"and", "or", "unless", "bool", "offset", "inf", "nan"}
        return {t for t in re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", text) if t.lower() not in keywords}

    def dashboard_queries(self):
        dashboard = json.loads((self.root / "deploy/grafana/voice-dashboard.json").read_text())
        prometheus, loki = [], []
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                kind = (target.get("datasource") or panel.get("datasource") or {}).get("type")
                (loki if kind == "loki" else prometheus).append((panel["title"], target["expr"]))
        return dashboard, prometheus, loki

    def check_dashboard(self):
        dashboard, prometheus, loki = self.dashboard_queries()
        require(dashboard.get("uid") and dashboard.get("title"), "dashboard lacks uid or title")
        ids = [panel["id"] for panel in dashboard["panels"]]
        require(len(ids) == len(set(ids)), "panel ids repeat")
        variables = {v["name"] for v in dashboard["templating"]["list"]}
        for panel in dashboard["panels"]:
            if panel["type"] == "row":
                continue
            require(set(panel["gridPos"]) == {"h", "w", "x", "y"} and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24,
                    f"panel {panel['title']}: bad gridPos")
            uid = panel["datasource"]["uid"]
            require(uid.startswith("${") and uid[2:-1] in variables, f"panel {panel['title']}: data source {uid} is not a variable")
        expressions = " ".join(expr for _, expr in prometheus)
        for stage in ("stt", "rag", "llm", "tts"):
            require(f'voice_stage_duration_seconds_bucket{{stage="{stage}"}}' in expressions, f"no latency panel for stage {stage}")
        require("voice_stage_errors_total" in expressions and 'http_response_status_code=~"5..' in expressions, "no error panels")
        require(any("rate(hb_requests" in expr for _, expr in prometheus), "no request rate panel")
        require(loki and all("| json" in expr for _, expr in loki), "no Loki panel parsing the JSON logs")
        known = self.known_metrics()
        unknown = set()
        for title, expr in prometheus + self.alert_queries():
            for name in self.promql_metrics(expr):
                base = re.sub(r"_(bucket|sum|count)$", "", name)
                if name not in known and base not in known:
                    unknown.add(f"{name} ({title})")
        require(not unknown, f"queries use metrics the code does not define: {sorted(unknown)}")
        return f"{len(prometheus)} PromQL and {len(loki)} LogQL queries; metric names found in the code"

    def alert_queries(self):
        rules = yaml.safe_load((self.root / "deploy/prometheus/alerts.yml").read_text())
        return [(rule["alert"], rule["expr"]) for group in rules["groups"] for rule in group["rules"]]

    def check_prometheus(self):
        promtool = self.tools["promtool"]
        with tempfile.TemporaryDirectory() as directory:
            directory = Path(directory)
            shutil.copy(self.root / "deploy/prometheus/alerts.yml", directory / "alerts.yml")
            for name in ("prometheus.yml", "prometheus-kubernetes.yml"):
                config = yaml.safe_load((self.root / "deploy/prometheus" / name).read_text())
                config["rule_files"] = [str(directory / "alerts.yml")]
                for job in config["scrape_configs"]:
                    # Debian's promtool is built without Kubernetes discovery; everything else is checked.
                    if job.pop("kubernetes_sd_configs", None) is not None:
                        job["static_configs"] = [{"targets": ["pod:9000"]}]
                (directory / name).write_text(yaml.safe_dump(config))
                result = run([promtool, "check", "config", str(directory / name)])
                require(result.returncode == 0, f"promtool check config {name}: {(result.stdout + result.stderr).strip()}")
            _, prometheus, _ = self.dashboard_queries()
            grafana = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h"}
            rules = []
            for index, (title, expr) in enumerate(prometheus):
                for variable, value in grafana.items():
                    expr = expr.replace(variable, value)
                rules.append({"record": f"dashboard:query_{index}", "expr": expr})
            (directory / "dashboard-rules.yml").write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
            result = run([promtool, "check", "rules", str(directory / "dashboard-rules.yml")])
            require(result.returncode == 0, f"dashboard PromQL does not parse: {(result.stdout + result.stderr).strip()}")
        return "both scrape configs, the alert rules and every dashboard query parse"

    # YAML

    def check_yamllint(self):
        result = run([self.tools["yamllint"], "--strict", "-c", str(self.root / ".yamllint.yml"), "."], cwd=self.root)
        require(result.returncode == 0, (result.stdout + result.stderr).strip())
        return None

    def run_all(self):
        self.check("docker-compose.yml", self.check_compose)
        self.check(".env.example documents the compose variables", self.check_env_example)
        self.check("deploy/Dockerfile", self.check_dockerfile)
        self.check("image layout /app/bin + /app/lib", self.check_binary_layout)
        self.check("nginx -t", self.check_nginx_syntax)
        self.check("nginx behaviour on loopback", self.check_nginx_behaviour)
        self.check("Kubernetes manifests", self.check_kubernetes)
        self.check("Prometheus configuration", self.check_prometheus)
        self.check("Grafana dashboard", self.check_dashboard)
        self.check("yamllint", self.check_yamllint)


# Breakages that must each make one named check fail: file, text to replace, replacement, check.
MUTATIONS = [
    ("docker-compose.yml", '"http://127.0.0.1:8001/health"', '"http://127.0.0.1:8009/health"', "docker-compose.yml"),
    ("docker-compose.yml", "      - audio:/app/audio\n    healthcheck:\n      <<: *health\n      test: [\"CMD\", \"curl\", \"-fsS\", \"-o\", \"/dev/null\", \"http://127.0.0.1:8004",
     "      - other-audio:/app/audio\n    healthcheck:\n      <<: *health\n      test: [\"CMD\", \"curl\", \"-fsS\", \"-o\", \"/dev/null\", \"http://127.0.0.1:8004",
     "docker-compose.yml"),
    (".env.example", "VOICE_API_KEYS=", "VOICE_API_KEY=", ".env.example documents the compose variables"),
    ("deploy/Dockerfile", "USER 10001:10001", "USER root", "deploy/Dockerfile"),
    ("deploy/nginx/voice.conf", "client_max_body_size 25m;", "client_max_body_size 25;", "nginx behaviour on loopback"),
    ("deploy/nginx/voice.conf", "    add_header Content-Security-Policy", "    # add_header Content-Security-Policy",
     "nginx behaviour on loopback"),
    ("deploy/nginx/voice.conf", "proxy_pass http://voice_gateway;\n    }\n\n    location = /text/query",
     "proxy_pass http://voice_gatway;\n    }\n\n    location = /text/query", "nginx -t"),
    ("deploy/k8s/stt.yaml", "replicas: 2", "replicas: 1", "Kubernetes manifests"),
    ("deploy/k8s/llm.yaml", "containerPort: 8003}", "containerPort: \"8003\"}",
     "Kubernetes manifests"),
    ("deploy/k8s/tts.yaml", "port: http}\n            periodSeconds: 5\n            timeoutSeconds",
     "port: web}\n            periodSeconds: 5\n            timeoutSeconds", "Kubernetes manifests"),
    ("deploy/prometheus/prometheus.yml", "scrape_interval: 15s", "scrape_interval: 15 seconds", "Prometheus configuration"),
    ("deploy/grafana/voice-dashboard.json", "voice_stage_errors_total", "voice_stage_failures_total", "Grafana dashboard"),
    ("deploy/grafana/voice-dashboard.json", "sum by (service) (rate(hb_requests[$__rate_interval]))",
     "sum by (service) (rate(hb_requests[$__rate_interval])", "Prometheus configuration"),
    ("deploy/k8s/namespace.yaml", "  name: voice\n", "  name:  voice\n", "yamllint"),
    ("docker-compose.yml", "      - postgres-data:/var/lib/postgresql/data\n", "", "docker-compose.yml"),
    ("deploy/k8s/rag.yaml", "@postgres:5432/voice", "@localhost:5432/voice", "Kubernetes manifests"),
]


def self_test(root, tools):
    """Each mutation, applied to a copy of the repository's deployment files, must fail its check."""
    copied = ["versions.env", ".env.example", ".dockerignore", ".yamllint.yml", "docker-compose.yml", "deploy", "Sources",
              "knowledge", "scripts", "Package.swift"]
    caught = 0
    for file, old, new, check_name in MUTATIONS:
        with tempfile.TemporaryDirectory() as directory:
            for name in copied:
                source = Path(root) / name
                if source.is_dir():
                    shutil.copytree(source, Path(directory) / name)
                elif source.exists():
                    shutil.copy(source, Path(directory) / name)
            checkouts = Path(root) / ".build/checkouts"
            if checkouts.is_dir():
                (Path(directory) / ".build").mkdir()
                os.symlink(checkouts, Path(directory) / ".build/checkouts")
            target = Path(directory) / file
            text = target.read_text()
            if old not in text:
                print(f"FAIL  self-test: `{old[:40]}` not found in {file}")
                continue
            target.write_text(text.replace(old, new, 1))
            checks = Checks(directory, tools, quiet=True)
            function = {"docker-compose.yml": checks.check_compose, ".env.example documents the compose variables":
                        checks.check_env_example, "deploy/Dockerfile": checks.check_dockerfile,
                        "nginx -t": checks.check_nginx_syntax, "nginx behaviour on loopback": checks.check_nginx_behaviour,
                        "Kubernetes manifests": checks.check_kubernetes, "Prometheus configuration": checks.check_prometheus,
                        "Grafana dashboard": checks.check_dashboard, "yamllint": checks.check_yamllint}[check_name]
            checks.check(check_name, function)
            error = checks.failures[0][1] if checks.failures else None
            if error:
                caught += 1
                print(f"ok    self-test: {file}: `{new.strip()[:50]}` caught by {check_name}: {error[:120]}")
            else:
                print(f"FAIL  self-test: {file}: `{new.strip()[:50]}` passed {check_name}")
    return caught, len(MUTATIONS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--promtool", required=True)
    parser.add_argument("--kubectl", required=True)
    parser.add_argument("--yamllint", required=True)
    parser.add_argument("--compose")
    parser.add_argument("--self-test", action="store_true", help="also check that broken copies fail")
    arguments = parser.parse_args()
    tools = {"promtool": arguments.promtool, "kubectl": arguments.kubectl, "yamllint": arguments.yamllint,
             "compose": arguments.compose}
    root = Path(__file__).resolve().parent.parent
    checks = Checks(root, tools)
    checks.run_all()
    passed, failed = len(checks.results) - len(checks.failures), len(checks.failures)
    if arguments.self_test:
        caught, total = self_test(root, tools)
        passed, failed = passed + caught, failed + total - caught
    print(f"deploy checks: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
