//! CPU time for the benchmark programs: this process's (every thread's) at nanosecond
//! resolution, and another process's (the CrateDB JVM on this machine) from `/proc`.
//!
//! This process's time comes from `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)` through `libc`
//! (already in the build through other crates): `/proc/self/stat` counts in clock ticks of
//! 10 ms, too coarse for runs of a few tens of milliseconds, and `/proc/self/schedstat`
//! counts one thread only.

/// CPU seconds used by this process so far, all threads, user and system.
#[cfg(unix)]
pub fn this_process() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant of this platform.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return f64::NAN;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// CPU seconds used by this process so far (not measured on this platform).
#[cfg(not(unix))]
pub fn this_process() -> f64 {
    f64::NAN
}

/// CPU seconds used so far by process `pid` (user and system, in clock ticks of usually
/// 10 ms), from `/proc/PID/stat`.
#[allow(dead_code)] // not every program that includes this module reads another process
pub fn of_process(pid: u32) -> Result<f64, Box<dyn std::error::Error>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("cannot read /proc/{pid}/stat: {e}"))?;
    // Fields after the command name (which may hold spaces, hence the last ')'): state is
    // field 3, utime 14 and stime 15.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or("unexpected /proc stat format")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Result<f64, Box<dyn std::error::Error>> {
        Ok(fields
            .get(i)
            .ok_or("unexpected /proc stat format")?
            .parse::<u64>()? as f64)
    };
    #[cfg(unix)]
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    #[cfg(not(unix))]
    let hz = 100.0;
    Ok((ticks(11)? + ticks(12)?) / hz.max(1.0))
}
