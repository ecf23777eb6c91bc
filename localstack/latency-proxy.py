"""A TCP proxy that adds latency, for benchmarks: every byte a client sends reaches the upstream
(LocalStack, moto) DELAY_MS later, so each HTTP request costs at least DELAY_MS more, as it would
from a CI runner far from IAM's global endpoint. Python's standard library only (asyncio).

    python3 localstack/latency-proxy.py --listen 127.0.0.1:PORT --upstream 127.0.0.1:4566 --delay-ms 100
    python3 localstack/latency-proxy.py --self-test

Each connection is proxied on its own and each chunk is held until its own arrival time plus the
delay (never "sleep, then the next one"), so requests on different connections (an SDK sends
concurrent requests on separate connections) are delayed independently and overlap exactly as
they would on a slow network: a proxy that serialised them would hide the gain of sending them
at once. The answers come back undelayed: the delay is the round trip, charged on the way out.
Connection set-up is not delayed (on a real network a new TCP or TLS connection costs one or two
round trips more), so these figures flatter a run that opens many connections.

It prints `latency-proxy: listening on HOST:PORT` once ready (with `--listen HOST:0`, the port the
system chose) and runs until killed.

--self-test checks the two properties the benchmark relies on, with no timing assertion that a
slow machine could break: every request reaches the upstream no earlier than the delay after it
was sent (a lower bound, which only a proxy that does not delay can miss), and N requests sent at
once are all held by the upstream at the same time (the upstream answers none until it holds all
N, so a serialising proxy never gets there, and the test fails after a generous deadline).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time


async def _pipe_delayed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Copies reader to writer, each chunk written `delay` seconds after it was read, in order."""
    queue: asyncio.Queue = asyncio.Queue()
    loop = asyncio.get_running_loop()

    async def feed() -> None:
        while True:
            chunk = await reader.read(65536)
            queue.put_nowait((loop.time() + delay, chunk))
            if not chunk:
                return

    feeder = asyncio.create_task(feed())
    try:
        while True:
            due, chunk = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        feeder.cancel()
        try:
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            pass


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            pass


async def serve(listen: tuple[str, int], upstream: tuple[str, int], delay: float) -> asyncio.AbstractServer:
    async def handle(c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        try:
            u_reader, u_writer = await asyncio.open_connection(*upstream)
        except OSError as e:
            print(f"latency-proxy: cannot reach the upstream {upstream[0]}:{upstream[1]}: {e}", file=sys.stderr)
            c_writer.close()
            return
        try:
            await asyncio.gather(_pipe_delayed(c_reader, u_writer, delay), _pipe(u_reader, c_writer))
        except asyncio.CancelledError:
            pass  # the server is shutting down
        finally:
            for w in (u_writer, c_writer):
                w.close()

    return await asyncio.start_server(handle, *listen)


def _addr(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"`{text}` is not HOST:PORT")
    return host, int(port)


async def _main(args: argparse.Namespace) -> None:
    server = await serve(args.listen, args.upstream, args.delay_ms / 1000)
    host, port = server.sockets[0].getsockname()[:2]
    print(f"latency-proxy: listening on {host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


# ---------------------------------------------------------------------------- self-test

async def _self_test(n: int = 6, delay_ms: int = 200, deadline_s: float = 60.0) -> None:
    delay = delay_ms / 1000
    arrived: dict[int, float] = {}
    all_in = asyncio.Event()
    most_held = 0
    held = 0

    async def upstream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal held, most_held
        # One request a connection: `GET /<id> HTTP/1.1` and its headers.
        head = await reader.readuntil(b"\r\n\r\n")
        ident = int(head.split(b" ")[1].lstrip(b"/"))
        arrived[ident] = time.monotonic()
        held += 1
        most_held = max(most_held, held)
        if held == n:
            all_in.set()
        await all_in.wait()
        body = str(ident).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    up = await asyncio.start_server(upstream, "127.0.0.1", 0)
    up_port = up.sockets[0].getsockname()[1]
    proxy = await serve(("127.0.0.1", 0), ("127.0.0.1", up_port), delay)
    proxy_port = proxy.sockets[0].getsockname()[1]
    sent: dict[int, float] = {}

    async def request(ident: int) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
        sent[ident] = time.monotonic()
        writer.write(b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % ident)
        await writer.drain()
        answer = await reader.read()
        writer.close()
        return answer

    async with up, proxy:
        try:
            answers = await asyncio.wait_for(asyncio.gather(*(request(i) for i in range(n))), deadline_s)
        except asyncio.TimeoutError:
            raise SystemExit(
                f"latency-proxy self-test: FAILED: the upstream held at most {most_held} of {n} "
                f"concurrent requests at once (the proxy serialises them)") from None
    for i, a in enumerate(answers):
        if not a.endswith(str(i).encode()):
            raise SystemExit(f"latency-proxy self-test: FAILED: request {i} got the answer {a!r}")
        if arrived[i] - sent[i] < delay:
            raise SystemExit(
                f"latency-proxy self-test: FAILED: request {i} reached the upstream "
                f"{(arrived[i] - sent[i]) * 1000:.0f} ms after it was sent, under the {delay_ms} ms delay")
    print(f"latency-proxy self-test: ok ({n} concurrent requests held at once by the upstream, "
          f"each delayed at least {delay_ms} ms)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--listen", type=_addr, default=("127.0.0.1", 0), help="HOST:PORT (port 0: any free one)")
    p.add_argument("--upstream", type=_addr, help="HOST:PORT to forward to")
    p.add_argument("--delay-ms", type=int, default=100, help="latency added to each request (ms)")
    p.add_argument("--self-test", action="store_true", help="check the proxy delays and does not serialise")
    args = p.parse_args()
    if args.self_test:
        asyncio.run(_self_test())
        return
    if args.upstream is None:
        p.error("--upstream HOST:PORT is required")
    if args.delay_ms < 0:
        p.error(f"--delay-ms `{args.delay_ms}` must be 0 or more")
    try:
        asyncio.run(_main(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
