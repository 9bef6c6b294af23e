"""Start real servers for tests: icegraph serve, an Oxigraph server, Virtuoso, and static file
servers (Python's, nginx, Apache) for the static site, on 127.0.0.1."""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read()[-2000:].decode("utf-8", "replace")


def _wait(url: str, proc: subprocess.Popen, log: IO[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {_tail(log)}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start: {_tail(log)}")


def stop(proc: subprocess.Popen, seconds: float = 10) -> None:
    """Ask a server to stop, and kill it if it has not within `seconds`."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running(cmd: list[str], ready_url: str, cwd: Path | None = None) -> Iterator[None]:
    """Run a server until the block ends. Its output goes to a temporary file, read when it
    fails to start: a pipe nobody reads would fill (a static server logs every request) and
    stall the server."""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
        try:
            _wait(ready_url, proc, log)
            yield
        finally:
            stop(proc)


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Python's own static file server (no icegraph code) on `folder`."""
    port = free_port()
    cmd = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory",
           str(folder), str(port)]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with running(cmd, base + "/"):
        yield base


def nginx_binary() -> str | None:
    """Debian's nginx (`make test` installs it)."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None
    )


def apache_binary() -> str | None:
    """Debian's apache2 with its modules (`make test` installs it)."""
    binary = shutil.which("apache2") or next(
        (p for p in ("/usr/sbin/apache2",) if Path(p).exists()), None
    )
    return binary if binary and APACHE_MODULES.is_dir() else None


# nginx in the foreground, everything it writes in its own folder, the site's snippet included
# in the server block as docs/site.md says. Workers run as the user running the tests.
NGINX_CONF = """\
daemon off;
worker_processes 1;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {site};
        include {site}/nginx.conf;
    }}
}}
"""


@contextmanager
def nginx_server(site: Path, directory: Path) -> Iterator[str]:
    """nginx serving `site` at its root with the site's own nginx.conf."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed")
    port = free_port()
    user = f"user {getpass.getuser()};" if getpass.getuser() == "root" else ""
    conf = directory / "nginx-test.conf"
    conf.write_text(
        NGINX_CONF.format(dir=directory, port=port, site=site.resolve(), user=user),
        encoding="utf-8",
    )
    base = f"http://127.0.0.1:{port}"
    with running([binary, "-c", str(conf), "-p", str(directory), "-e", "stderr"], base + "/"):
        yield base


APACHE_MODULES = Path("/usr/lib/apache2/modules")
# Apache in the foreground with only the modules the site's .htaccess needs; the document root
# holds the site under a sub-path, as a host shared with other sites would.
APACHE_CONF = """\
ServerRoot {dir}
DefaultRuntimeDir {dir}
PidFile {dir}/httpd.pid
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
{modules}
{user}
ErrorLog {dir}/error.log
LogLevel warn
TypesConfig /etc/mime.types
DocumentRoot {root}
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory {root}>
    # what the site's .htaccess needs, as docs/site.md says, and no more
    AllowOverride FileInfo Indexes Options=MultiViews
    Require all granted
</Directory>
"""
_APACHE_MODULES = ("mpm_event", "authz_core", "unixd", "dir", "mime", "rewrite", "headers",
                   "env", "setenvif", "alias")  # fmt: skip


@contextmanager
def apache_server(root: Path, directory: Path) -> Iterator[str]:
    """Apache serving the folder `root` (the site in it, under whatever sub-path) with each
    folder's .htaccess. `root` must be readable by the user Apache's workers run as."""
    binary = apache_binary()
    if binary is None:
        raise RuntimeError("apache2 is not installed")
    port = free_port()
    modules = "\n".join(
        f"LoadModule {m}_module {APACHE_MODULES}/mod_{m}.so"
        for m in _APACHE_MODULES
        if (APACHE_MODULES / f"mod_{m}.so").exists()
    )
    # Apache will not run its workers as root; they read the site as this user instead.
    user = "User nobody\nGroup nogroup" if getpass.getuser() == "root" else ""
    conf = directory / "apache-test.conf"
    conf.write_text(
        APACHE_CONF.format(
            dir=directory, port=port, root=root.resolve(), modules=modules, user=user
        ),  # fmt: skip
        encoding="utf-8",
    )
    base = f"http://127.0.0.1:{port}"
    with running([binary, "-f", str(conf), "-DFOREGROUND"], base + "/"):
        yield base


@contextmanager
def icegraph_server(store: Path, **options: object) -> Iterator[str]:
    port = free_port()
    cmd = [sys.executable, "-m", "icegraph.cli", "serve", "--store", str(store),
           "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    for key, value in options.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    base = f"http://127.0.0.1:{port}"
    with running(cmd, base + "/sparql"):
        yield base


def oxigraph_binary() -> str | None:
    local = Path(sys.executable).parent / "oxigraph"
    return str(local) if local.exists() else shutil.which("oxigraph")


@contextmanager
def oxigraph_server(location: Path) -> Iterator[str]:
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph server is not installed (pip install oxigraph)")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    with running(cmd, base + "/query"):
        yield base


def virtuoso_binaries() -> tuple[str, str] | None:
    """Debian's virtuoso-opensource: the server and its SQL client."""
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    return (server, isql) if server and isql else None


# Our own database in a temporary folder: both ports on 127.0.0.1 only, files read and written
# only inside that folder, no operating-system calls from SQL, none of the packaged plugins.
VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile    = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping        = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
MaxClientConnections = 8
CheckpointInterval   = 60
CaseMode             = 2
AllowOSCalls         = 0
DirsAllowed          = {dir}
NumberOfBuffers      = 10000
MaxDirtyBuffers      = 6000
ThreadsPerQuery      = 2

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {dir}
MaxClientConnections = 8
ServerThreads        = 8
EnabledDavVSP        = 0
HTTPProxyEnabled     = 0
Charset              = UTF-8

[URIQA]
DynamicLocal = 0
DefaultHost  = 127.0.0.1:{http_port}

[SPARQL]
ResultSetMaxRows           = 100000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 120
"""


@contextmanager
def virtuoso_server(directory: Path, password: str) -> Iterator[str]:
    """A new Virtuoso database in `directory`, its `dba` user given `password`; yields the
    HTTP base (SPARQL at /sparql, Graph Store Protocol at /sparql-graph-crud-auth)."""
    binaries = virtuoso_binaries()
    if binaries is None:
        raise RuntimeError("Virtuoso is not installed (virtuoso-t and isql-vt)")
    server, isql = binaries
    sql_port, http_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(dir=directory, sql_port=sql_port, http_port=http_port),
        encoding="utf-8",
    )
    base = f"http://127.0.0.1:{http_port}"
    log = directory / "server.out"
    # its log goes to a file: a pipe nobody reads would fill up and stall the server
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [server, "+configfile", str(ini), "+foreground"],
            cwd=directory,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_virtuoso(base, proc, log)
        # a new database's dba password is "dba": replaced before anything is loaded
        answer = subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba"],
            input=f"USER_SET_PASSWORD('dba', '{password}');\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        if answer.returncode != 0 or "Error" in answer.stdout + answer.stderr:
            raise RuntimeError(f"setting the dba password failed: {answer.stdout}{answer.stderr}")
        yield base
    finally:
        stop(proc, seconds=30)  # on SIGTERM Virtuoso checkpoints and exits cleanly


def _wait_for_virtuoso(base: str, proc: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"Virtuoso exited with {proc.returncode}: {tail}")
        try:
            if httpx.get(base + "/sparql", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"Virtuoso at {base} did not start in {seconds:.0f} s")


def descendants(pid: int) -> list[int]:
    """Every process below `pid`: the fork server, the workers forked from it, and helpers."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        below = [child for child, parent in parents.items() if parent == current]
        found += below
        todo += below
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
