#!/usr/bin/env python3
"""An emulated slow link between two network namespaces, in user space.

The benchmarks want `tc netem` (delay, loss, rate), but kernels built without sch_netem (like
these machines) refuse it. This does the same job one level up: two TUN devices, one in each
namespace, with this process carrying the IP packets between them. Every packet waits for its
turn on a link of RATE (serialisation), then for DELAY; a packet is lost with probability LOSS;
a direction with more than LIMIT packets queued drops new ones (netem's default limit is 1000).
TCP in the namespaces sees a real path: real RTT, real loss, real queueing.

    scripts/netem.py NS_A NS_B [--delay-ms 25] [--rate-mbit 100] [--loss-a-to-b 0.005]
                     [--loss-b-to-a 0] [--limit 1000] [--seed 1]

NS_A gets 10.77.0.1 and NS_B gets 10.77.0.2 (device hoist-netem in each). The one-way delay
applies to both directions, so the round trip is 2 x DELAY. Needs root (CAP_NET_ADMIN); the
namespaces must exist (`ip netns add`). Prints "ready" on stdout once packets flow, then runs
until SIGTERM or SIGINT, and prints what it carried on stderr when it stops.

Losses are pseudo-random from --seed. A line `seed N` on stdin starts the sequence again from
seed N (answered `seeded N` on stdout): the benchmark sends `seed R` before run R of every
client, so every client meets the same losses and no client gets a lucky or unlucky stretch
of the sequence because of where it ran in the order.
"""

import argparse
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
DEVICE = "hoist-netem"
ADDRESSES = ("10.77.0.1", "10.77.0.2")
MTU_BYTES = 1500


def open_tun(name):
    """Opens a new TUN device (IP packets, no extra header) in this process's namespace."""
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def ip(*args):
    subprocess.run(["ip", *args], check=True)


def place(name, netns, local, peer):
    """Moves the device into `netns` and gives it its address and the peer's route."""
    ip("link", "set", "dev", name, "netns", netns)
    ip("-n", netns, "link", "set", "dev", name, "name", DEVICE)
    ip("-n", netns, "addr", "add", local, "peer", peer, "dev", DEVICE)
    ip("-n", netns, "link", "set", "dev", DEVICE, "mtu", str(MTU_BYTES), "up")
    ip("-n", netns, "link", "set", "dev", "lo", "up")


class Direction:
    """One direction of the link: its queue clock, loss rate and counters."""

    def __init__(self, loss, out_fd):
        self.loss = loss
        self.out_fd = out_fd
        self.busy_until = 0.0
        self.queued = 0
        self.packets = 0
        self.bytes = 0
        self.lost = 0
        self.overflow = 0


def reseed(controls, rng):
    """Reads one control line from stdin; "seed N" gives a fresh loss sequence from seed N."""
    line = sys.stdin.readline()
    if not line:
        controls.clear()  # stdin closed: no more control lines
        return rng
    words = line.split()
    if len(words) == 2 and words[0] == "seed":
        print(f"seeded {words[1]}", flush=True)
        return random.Random(int(words[1]))
    return rng


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ns_a")
    parser.add_argument("ns_b")
    parser.add_argument("--delay-ms", type=float, default=25.0)
    parser.add_argument("--rate-mbit", type=float, default=100.0)
    parser.add_argument("--loss-a-to-b", type=float, default=0.005)
    parser.add_argument("--loss-b-to-a", type=float, default=0.0)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    delay_s = args.delay_ms / 1000.0
    seconds_per_byte = 8.0 / (args.rate_mbit * 1e6)

    # Temporary names in our namespace; both become DEVICE in theirs.
    name_a, name_b = f"hn{os.getpid() % 100000}a", f"hn{os.getpid() % 100000}b"
    fd_a, fd_b = open_tun(name_a), open_tun(name_b)
    place(name_a, args.ns_a, ADDRESSES[0], ADDRESSES[1])
    place(name_b, args.ns_b, ADDRESSES[1], ADDRESSES[0])

    directions = {
        fd_a: Direction(args.loss_a_to_b, fd_b),
        fd_b: Direction(args.loss_b_to_a, fd_a),
    }
    pending = []  # (due time, sequence, direction, packet)
    sequence = 0
    stopping = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(True))

    # A line "seed N" on stdin restarts the loss sequence from seed N (answered "seeded N"), so a
    # benchmark can give every client's run the same random losses.
    controls = [sys.stdin.fileno()]
    print("ready", flush=True)
    while not stopping:
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, direction, packet = heapq.heappop(pending)
            direction.queued -= 1
            try:
                os.write(direction.out_fd, packet)
            except OSError:
                pass  # the device is down or full: the packet is lost, as on a wire
        timeout = max(0.0, pending[0][0] - now) if pending else 0.5
        try:
            readable, _, _ = select.select([*directions, *controls], [], [], timeout)
        except InterruptedError:
            continue
        if controls and controls[0] in readable:
            rng = reseed(controls, rng)
        now = time.monotonic()
        for fd in (fd for fd in readable if fd in directions):
            direction = directions[fd]
            while True:
                try:
                    packet = os.read(fd, 65536)
                except BlockingIOError:
                    break
                direction.packets += 1
                direction.bytes += len(packet)
                if direction.queued >= args.limit:
                    direction.overflow += 1
                    continue
                if direction.loss and rng.random() < direction.loss:
                    direction.lost += 1
                    continue
                start = max(now, direction.busy_until)
                direction.busy_until = start + len(packet) * seconds_per_byte
                sequence += 1
                direction.queued += 1
                heapq.heappush(
                    pending, (direction.busy_until + delay_s, sequence, direction, packet)
                )

    for label, fd in ((f"{args.ns_a}->{args.ns_b}", fd_a), (f"{args.ns_b}->{args.ns_a}", fd_b)):
        d = directions[fd]
        print(
            f"netem {label}: {d.packets} packets, {d.bytes} bytes, {d.lost} lost, "
            f"{d.overflow} over the queue limit",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
