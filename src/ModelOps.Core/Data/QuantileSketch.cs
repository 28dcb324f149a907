namespace ModelOps.Core.Data;

/// <summary>
/// A mergeable quantile sketch: a uniform sample of at most <see cref="Capacity"/> values kept by the smallest random
/// priorities (bottom-k sampling). Below its capacity it holds every value, so quantiles are exact; above it the rank
/// error of a quantile is about <c>sqrt(q(1-q)/Capacity)</c> (0.16% at the median for 100,000). Two sketches merge by
/// keeping the smallest priorities of both below the lower of their bars, which is again a uniform sample of the union,
/// whatever their capacities.
/// </summary>
public sealed class QuantileSketch
{
    private double[] _values = new double[256];
    private uint[] _priorities = new uint[256];
    private int _size;
    private uint _threshold = uint.MaxValue;
    private ulong _state;
    private double[]? _sorted;

    /// <param name="seed">Seeds the priorities; sketches to be merged need different seeds.</param>
    public QuantileSketch(int capacity, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 16);
        Capacity = capacity;
        _state = seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL;
    }

    public int Capacity { get; }

    /// <summary>Values added (the sample holds min(Count, Capacity) of them).</summary>
    public long Count { get; private set; }

    /// <summary>True while every value added is held: quantiles are exact.</summary>
    public bool IsExact => Count <= Capacity;

    public void Add(double value) => Add(new ReadOnlySpan<double>(in value));

    /// <summary>Adds the values (none NaN) in order: the same sample as adding them one at a time.</summary>
    public void Add(ReadOnlySpan<double> values)
    {
        Count += values.Length;
        _sorted = null;
        var state = _state;
        var threshold = _threshold;
        foreach (var value in values)
        {
            // SplitMix64: a fresh uniform priority per value. The state only steps by a constant, so the mixing of
            // successive values overlaps in the CPU instead of waiting on one another.
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            // 31 bits: below the empty sketch's bar, so every value is kept until the first prune; ties are rare and harmless.
            var priority = (uint)((z ^ (z >> 31)) >> 33);
            if (priority < threshold)
            {
                Keep(value, priority);
                threshold = _threshold; // a prune raises the bar
            }
        }
        _state = state;
    }

    /// <summary>Adds the sample of <paramref name="other"/> (built with another seed, of any capacity).</summary>
    public void Merge(QuantileSketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        // Each side holds every one of its values below its own bar, so the union's are known only below the lower bar:
        // a smaller sketch merged in lowers this one's, or its values would be under-represented.
        var bar = Math.Min(_threshold, other._threshold);
        if (bar < _threshold)
        {
            _threshold = bar;
            Drop(bar);
        }
        for (var i = 0; i < other._size; i++)
        {
            if (other._priorities[i] < bar)
            {
                Keep(other._values[i], other._priorities[i]);
            }
        }
        Count += other.Count;
        _sorted = null;
        Prune();
    }

    /// <summary>Removes the values whose priority is not below <paramref name="bar"/>.</summary>
    private void Drop(uint bar)
    {
        var kept = 0;
        for (var i = 0; i < _size; i++)
        {
            if (_priorities[i] < bar)
            {
                _priorities[kept] = _priorities[i];
                _values[kept++] = _values[i];
            }
        }
        _size = kept;
    }

    /// <summary>The sampled values, sorted (every value while <see cref="IsExact"/>; radix-sorted, as NaN is never added: the
    /// profile adds finite values only); shared until the next change, do not modify.</summary>
    public double[] SortedSample()
    {
        if (_sorted is null)
        {
            Prune();
            _sorted = _values.AsSpan(0, _size).ToArray();
            RadixSort.Sort(_sorted);
        }
        return _sorted;
    }

    /// <summary>Quantiles by linear interpolation between closest ranks (pandas' default); NaN when empty.</summary>
    public double[] Quantiles(IReadOnlyList<double> levels)
    {
        var sorted = SortedSample();
        return levels.Select(q => Profiler.Quantile(sorted, q)).ToArray();
    }

    private void Keep(double value, uint priority)
    {
        if (_size == _values.Length)
        {
            if (_size >= Full)
            {
                Prune();
                if (priority >= _threshold) return;
            }
            else
            {
                Array.Resize(ref _values, Grown(_values.Length));
                Array.Resize(ref _priorities, _values.Length);
            }
        }
        _values[_size] = value;
        _priorities[_size++] = priority;
    }

    /// <summary>The most values held: the capacity and an eighth more, so a prune comes once every few thousand kept.</summary>
    private int Full => Capacity + Capacity / 8;

    /// <summary>
    /// The sample's next size: doubling while its arrays are small, then straight to <see cref="Full"/>. Arrays past the
    /// small-object limit live in the large-object heap, which only a full collection sweeps, so each size doubled there
    /// would stay in the heap as garbage until one.
    /// </summary>
    private int Grown(int size) => size * 2 * sizeof(double) < SmallObjectLimit ? Math.Min(size * 2, Full) : Full;

    /// <summary>Bytes from which an array goes to the large-object heap.</summary>
    private const int SmallObjectLimit = 85_000;

    /// <summary>Keeps the <see cref="Capacity"/> smallest priorities; the largest kept becomes the bar for new values.</summary>
    private void Prune()
    {
        if (_size <= Capacity)
        {
            return;
        }
        // Quickselect on the priorities, moving values along.
        int lo = 0, hi = _size - 1, k = Capacity - 1;
        while (lo < hi)
        {
            var pivot = _priorities[lo + ((hi - lo) >> 1)];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (_priorities[i] < pivot) i++;
                while (_priorities[j] > pivot) j--;
                if (i <= j)
                {
                    (_priorities[i], _priorities[j]) = (_priorities[j], _priorities[i]);
                    (_values[i], _values[j]) = (_values[j], _values[i]);
                    i++;
                    j--;
                }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else break;
        }
        _size = Capacity;
        _threshold = _priorities[k];
        for (var i = 0; i < k; i++) _threshold = Math.Max(_threshold, _priorities[i]);
    }
}
