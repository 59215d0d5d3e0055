using System.Threading.Channels;

namespace CleanScheduler.Operator.Controllers;

/// <summary>
/// The controller's queue of keys (namespace/name) to reconcile, as client-go's rate-limited work queue: a key is
/// queued at most once, never handed to two workers at a time (added while in progress: queued again once done),
/// and a key that keeps failing waits exponentially longer (<see cref="BaseDelay"/> doubling up to <see cref="MaxDelay"/>).
/// A key waits for at most one delayed add at a time, the earliest (as client-go's delaying queue), so that retries
/// of a failing key form one chain of growing delays however often it was also queued directly.
/// </summary>
public sealed class WorkQueue
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private readonly HashSet<string> _processing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> _waiting = new(StringComparer.Ordinal);
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>();

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(2);

    public int Depth { get { lock (_gate) return _queued.Count; } }

    /// <summary>No key queued or being reconciled.</summary>
    public bool Idle { get { lock (_gate) return _queued.Count == 0 && _processing.Count == 0; } }

    public void Add(string key)
    {
        lock (_gate)
        {
            if (_processing.Contains(key)) { _dirty.Add(key); return; }
            if (!_queued.Add(key)) return;
        }
        _ready.Writer.TryWrite(key);
    }

    public void AddAfter(string key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero) { Add(key); return; }
        var due = DateTime.UtcNow + delay;
        lock (_gate)
        {
            if (_waiting.TryGetValue(key, out var earlier) && earlier <= due) return;
            _waiting[key] = due;
        }
        _ = Task.Delay(delay).ContinueWith(_ =>
        {
            lock (_gate)
            {
                if (!_waiting.TryGetValue(key, out var current) || current != due) return;   // superseded by an earlier one
                _waiting.Remove(key);
            }
            Add(key);
        }, TaskScheduler.Default);
    }

    /// <summary>Queue again after the key's back-off, which doubles with every consecutive failure.</summary>
    public TimeSpan AddRateLimited(string key)
    {
        int failures;
        lock (_gate) failures = _failures[key] = _failures.GetValueOrDefault(key) + 1;
        var delay = TimeSpan.FromTicks((long)Math.Min(BaseDelay.Ticks * Math.Pow(2, Math.Min(failures - 1, 30)), MaxDelay.Ticks));
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>The key succeeded: its back-off starts over.</summary>
    public void Forget(string key)
    {
        lock (_gate) _failures.Remove(key);
    }

    public async ValueTask<string> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var key = await _ready.Reader.ReadAsync(cancellationToken);
            lock (_gate)
            {
                if (!_queued.Remove(key)) continue;
                _processing.Add(key);
                return key;
            }
        }
    }

    public void Done(string key)
    {
        bool again;
        lock (_gate)
        {
            _processing.Remove(key);
            again = _dirty.Remove(key);
        }
        if (again) Add(key);
    }
}
