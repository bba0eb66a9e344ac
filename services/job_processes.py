"""Job processes: whether one is alive (pids are reused: checked with their start time),
stopping one with its children, and which web process a job belongs to (it ends with it)."""

from __future__ import annotations


def process_alive(pid: int | None, started: float | None) -> bool:
    """True while the process ``pid`` started at ``started`` runs (not a zombie)."""
    import psutil

    if not pid:
        return False
    try:
        process = psutil.Process(pid)
        if started is not None and abs(process.create_time() - started) > 1.0:
            return False  # the pid was reused by another process
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def kill_tree(pid: int | None, started: float | None) -> None:
    """Kill the process ``pid`` (started at ``started``) and its children, if alive."""
    import psutil

    if not process_alive(pid, started):
        return
    try:
        process = psutil.Process(pid)
        for child in process.children(recursive=True):
            try:
                child.kill()
            except psutil.Error:
                pass
        process.kill()
        process.wait(2)
    except psutil.Error:
        pass


#: Set in a gunicorn worker: its jobs belong to the arbiter, not to the worker.
_jobs_owned_by_parent = False


def jobs_outlive_this_process() -> None:
    """Make the jobs this process starts belong to its parent (gunicorn's ``post_fork``).

    A gunicorn worker that dies (killed, or recycled) leaves its jobs running: the page,
    polling another worker, still gets their results. They end with the arbiter.
    """
    global _jobs_owned_by_parent
    _jobs_owned_by_parent = True


def this_process() -> tuple[int, float]:
    """Who a job belongs to: this process (or, in a gunicorn worker, the arbiter), as pid
    and start time (pids are reused)."""
    import psutil

    process = psutil.Process()
    if _jobs_owned_by_parent and process.parent() is not None:
        process = process.parent()
    return process.pid, process.create_time()


def owner_gone(owner: tuple[int, float] | None) -> bool:
    """True once the web process that started a job has ended.

    A job is a grandchild of the web process (forked by its forkserver), so nothing kills
    it when the web process dies abruptly or exits while the job is still being started;
    the job checks on its owner itself and ends with it.
    """
    return owner is not None and not process_alive(*owner)
