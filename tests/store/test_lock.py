"""One writer per store: a second pos refuses to start, and a crash never leaves a stale lock."""

import os
import re
import signal
import subprocess
import sys

import pytest

from pos.core.ports import StoreError

HOLDER = """
import sys, time
from pos.store import open_store
store = open_store(sys.argv[1])
print("ready", flush=True)
time.sleep(60)
"""


def test_a_second_store_on_the_same_directory_refuses(open_file_store, store_dir):
    open_file_store()
    with pytest.raises(StoreError, match=rf"another pos \(pid {os.getpid()}\) uses store "
                                         rf"{re.escape(str(store_dir))}"):
        open_file_store()


def test_closing_the_store_lets_the_next_one_in(open_file_store):
    open_file_store().close()
    open_file_store().next_counter("invoice")


def test_another_process_holding_the_store_is_named_and_its_crash_frees_it(open_file_store, store_dir):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(store_dir)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "ready\n"
        with pytest.raises(StoreError, match=rf"another pos \(pid {holder.pid}\) uses store"):
            open_file_store()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        holder.stdout.close()
    assert open_file_store().next_counter("invoice") == 1
