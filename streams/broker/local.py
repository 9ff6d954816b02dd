"""The local single-node Apache Kafka (KRaft) broker: jars from Maven Central, config, format, start, stop."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from streams.broker.exceptions import BrokerError, BrokerStartTimeout, MissingTool

log = logging.getLogger("rrc.kafka")

# log4j2 is the logging backend of Kafka 4.x; the core artifact does not bring it (the release tarball does).
LOG4J_VERSION = "2.24.3"

POM_TEMPLATE = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>rrc.local</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>{version}</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>{version}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>{version}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>{log4j}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>{log4j}</version></dependency>
  </dependencies>
</project>
"""

LOG4J2_PROPERTIES = """status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {log_file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
"""

SERVER_PROPERTIES = """# written by rrc; single node, combined broker and controller (KRaft)
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{cport}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs={log_dir}
num.partitions=4
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=168
log.segment.bytes=67108864
log.cleaner.dedupe.buffer.size=16777216
num.network.threads=2
num.io.threads=4
"""


@dataclass(frozen=True)
class LocalKafka:
    """A local broker described by where it lives; every method is safe to call repeatedly."""

    version: str
    port: int
    controller_port: int
    data_dir: Path
    cache_dir: Path
    heap: str = "768m"

    # ---- locations -------------------------------------------------------------------------
    @property
    def libs_dir(self) -> Path:
        return self.cache_dir / self.version / "libs"

    @property
    def home(self) -> Path:
        return self.data_dir / "kafka"

    @property
    def pid_file(self) -> Path:
        return self.home / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "server.log"

    @property
    def stdout_file(self) -> Path:
        return self.home / "stdout.log"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    # ---- setup -----------------------------------------------------------------------------
    def ensure_jars(self) -> Path:
        """Resolve the broker's jars from Maven Central into the cache (no network once cached)."""
        marker = self.libs_dir / ".complete"
        if marker.exists():
            return self.libs_dir
        mvn = shutil.which("mvn")
        if not mvn:
            raise MissingTool("Maven (mvn) is not installed: it is needed once to fetch the Kafka jars")
        work = self.cache_dir / self.version
        work.mkdir(parents=True, exist_ok=True)
        (work / "pom.xml").write_text(POM_TEMPLATE.format(version=self.version, log4j=LOG4J_VERSION))
        tmp_libs = work / "libs.partial"
        shutil.rmtree(tmp_libs, ignore_errors=True)
        log.info("resolving Apache Kafka %s from Maven Central", self.version, extra={"version": self.version})
        proc = subprocess.run(
            [mvn, "-q", "-B", "-f", str(work / "pom.xml"), "dependency:copy-dependencies",
             "-DincludeScope=runtime", f"-DoutputDirectory={tmp_libs}"],
            capture_output=True, text=True, timeout=900,
        )
        if proc.returncode != 0:
            detail = _last_error_line(proc.stdout + proc.stderr)
            raise BrokerError(f"Maven could not resolve org.apache.kafka:kafka_2.13:{self.version} "
                              f"(registry unreachable?): {detail}")
        shutil.rmtree(self.libs_dir, ignore_errors=True)
        tmp_libs.rename(self.libs_dir)
        marker.write_text(self.version)
        return self.libs_dir

    def _java(self) -> str:
        java_home = os.environ.get("JAVA_HOME")
        if java_home and (Path(java_home) / "bin" / "java").exists():
            return str(Path(java_home) / "bin" / "java")
        java = shutil.which("java")
        if not java:
            raise MissingTool("Java is not installed: Kafka needs Java 17 or newer (set JAVA_HOME or put java on PATH)")
        return java

    def _write_config(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        props = self.home / "server.properties"
        props.write_text(SERVER_PROPERTIES.format(port=self.port, cport=self.controller_port,
                                                  log_dir=self.home / "logs"))
        (self.home / "log4j2.properties").write_text(LOG4J2_PROPERTIES.format(log_file=self.log_file))
        return props

    def _classpath(self) -> str:
        return os.pathsep.join(str(p) for p in sorted(self.libs_dir.glob("*.jar")))

    def _java_cmd(self, main: str, *args: str) -> list[str]:
        return [self._java(), f"-Xmx{self.heap}", f"-Xms{min_heap(self.heap)}", "-XX:+UseG1GC",
                "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={self.home / 'log4j2.properties'}",
                "-cp", self._classpath(), main, *args]

    def format_storage(self, props: Path) -> None:
        """Format the KRaft storage once; later calls are no-ops (--ignore-formatted)."""
        if (self.home / "logs" / "meta.properties").exists():
            return
        cluster_id = _kraft_cluster_id()
        proc = subprocess.run(self._java_cmd("kafka.tools.StorageTool", "format", f"--cluster-id={cluster_id}",
                                             "-c", str(props), "--ignore-formatted"),
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise BrokerError(f"formatting Kafka storage failed: {_last_error_line(proc.stdout + proc.stderr)}")

    # ---- lifecycle -------------------------------------------------------------------------
    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if process_alive(pid) else None

    def is_running(self) -> bool:
        return self.pid() is not None

    def answers(self, timeout: float = 2.0) -> bool:
        from streams.broker.probe import broker_answers

        return broker_answers(self.bootstrap, timeout=timeout)

    def up(self, wait_s: float = 90.0) -> bool:
        """Start the broker unless it runs already; returns True when this call started it."""
        if self.is_running():
            if self.answers(timeout=5):
                return False
            raise BrokerError(f"a broker process (pid {self.pid()}) exists but does not answer on {self.bootstrap}")
        if _port_in_use(self.port):
            raise BrokerError(f"port {self.port} is taken by another program; set RRC_KAFKA_PORT to a free port")
        self.ensure_jars()
        self._java()  # fail early with a clear message
        props = self._write_config()
        self.format_storage(props)
        out = open(self.stdout_file, "ab")
        proc = subprocess.Popen(self._java_cmd("kafka.Kafka", str(props)), stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise BrokerError(f"the broker exited with code {proc.returncode}; see {self.stdout_file}")
            if self.answers(timeout=2):
                log.info("kafka up", extra={"bootstrap": self.bootstrap, "pid": proc.pid})
                return True
            time.sleep(0.3)
        self.down()
        raise BrokerStartTimeout(f"the broker did not answer on {self.bootstrap} within {wait_s:.0f}s; "
                                 f"see {self.stdout_file}")

    def down(self, timeout: float = 30.0) -> bool:
        """Stop the broker with SIGTERM, wait, SIGKILL if needed; returns True when one was running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process_alive(pid):
            time.sleep(0.1)
        if process_alive(pid):
            os.kill(pid, signal.SIGKILL)
            while process_alive(pid):
                time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> str:
        if not self.is_running():
            return "stopped"
        return "running" if self.answers(timeout=2) else "starting"


def min_heap(heap: str) -> str:
    return "256m" if heap.endswith("g") or int(heap[:-1]) >= 256 else heap


def process_alive(pid: int) -> bool:
    """Whether a process with this pid runs (a zombie child of ours counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _kraft_cluster_id() -> str:
    """A KRaft cluster id: a random UUID, base64url without padding (what StorageTool random-uuid prints)."""
    import base64

    while True:  # like Kafka's Uuid.randomUuid: never starting with '-', which command lines read as an option
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _last_error_line(text: str) -> str:
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    errors = [l for l in lines if "ERROR" in l or "Exception" in l or "error" in l]
    return (errors or lines or ["no output"])[-1][:300]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def from_settings(settings) -> LocalKafka:
    return LocalKafka(version=settings.kafka_version, port=settings.kafka_port,
                      controller_port=settings.controller_port, data_dir=Path(settings.data_dir),
                      cache_dir=Path(settings.kafka_cache_dir), heap=settings.kafka_heap)
