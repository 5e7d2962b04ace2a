"""Threads for llama.cpp: one per physical core, read from the system."""

import os

from scripts.model import hardware

# Two cores with two hyper-threads each, as /proc/cpuinfo lists them (fields trimmed).
HYPERTHREADED = "\n\n".join(
    f"processor\t: {cpu}\nphysical id\t: 0\ncore id\t\t: {cpu // 2}\ncpu cores\t: 2"
    for cpu in range(4)
)


def test_hyper_threads_are_not_counted_as_cores():
    assert hardware.linux_physical_cores(HYPERTHREADED) == 2


def test_cores_on_two_sockets_are_told_apart():
    two_sockets = HYPERTHREADED.replace(
        "physical id\t: 0\ncore id\t\t: 1", "physical id\t: 1\ncore id\t\t: 0"
    )
    assert hardware.linux_physical_cores(two_sockets) == 2
    assert (
        hardware.linux_physical_cores(two_sockets.replace("physical id\t: 1", "physical id\t: 0"))
        == 1
    )


def test_a_cpuinfo_without_core_ids_counts_nothing():
    assert hardware.linux_physical_cores("processor\t: 0\nmodel name\t: some ARM board\n") == 0


def test_this_machine_gets_between_one_thread_and_one_per_cpu():
    assert 1 <= hardware.physical_cores() <= (os.cpu_count() or 1)
