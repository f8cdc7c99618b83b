using System.Buffers.Binary;
using System.Numerics;

namespace MLExtensions.Randomness;

/// <summary>
/// Draws exactly what <c>new Random(seed)</c> draws (.NET's seeded subtractive generator, after Knuth), but its
/// state can be saved and restored: a training run resumed from a checkpoint continues the same shuffles and
/// augmentations as the run that was interrupted. <see cref="Random"/> itself keeps that state private.
/// </summary>
internal sealed class ReproducibleRandom : Random
{
    private const int Size = 56;
    private const int StateBytes = (Size + 2) * sizeof(int);
    private readonly int[] _values = new int[Size];
    private int _next;
    private int _nextPartner;

    internal ReproducibleRandom(int seed) : base(seed) => Initialize(seed);

    private void Initialize(int seed)
    {
        int subtraction = seed == int.MinValue ? int.MaxValue : Math.Abs(seed);
        int current = 161803398 - subtraction;
        _values[55] = current;
        int previous = 1;
        for (int i = 1, position = 0; i < 55; i++)
        {
            position = (position + 21) % 55;
            _values[position] = previous;
            previous = current - previous;
            if (previous < 0)
                previous += int.MaxValue;
            current = _values[position];
        }
        for (int round = 1; round < 5; round++)
            for (int i = 1; i < Size; i++)
            {
                _values[i] -= _values[1 + (i + 30) % 55];
                if (_values[i] < 0)
                    _values[i] += int.MaxValue;
            }
        _next = 0;
        _nextPartner = 21;
    }

    /// <summary>The generator's whole state: 56 values and two positions.</summary>
    internal byte[] GetState()
    {
        var bytes = new byte[StateBytes];
        for (int i = 0; i < Size; i++)
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * sizeof(int)), _values[i]);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(Size * sizeof(int)), _next);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan((Size + 1) * sizeof(int)), _nextPartner);
        return bytes;
    }

    internal void SetState(byte[] state)
    {
        if (state.Length != StateBytes)
            throw new InvalidDataException($"A random generator state has {StateBytes} bytes, not {state.Length}.");
        for (int i = 0; i < Size; i++)
            _values[i] = BinaryPrimitives.ReadInt32LittleEndian(state.AsSpan(i * sizeof(int)));
        _next = BinaryPrimitives.ReadInt32LittleEndian(state.AsSpan(Size * sizeof(int)));
        _nextPartner = BinaryPrimitives.ReadInt32LittleEndian(state.AsSpan((Size + 1) * sizeof(int)));
        if (_next is < 0 or >= Size || _nextPartner is < 0 or >= Size)
            throw new InvalidDataException("A random generator state has positions out of range.");
    }

    private int NextValue()
    {
        if (++_next >= Size)
            _next = 1;
        if (++_nextPartner >= Size)
            _nextPartner = 1;
        int value = _values[_next] - _values[_nextPartner];
        if (value == int.MaxValue)
            value--;
        if (value < 0)
            value += int.MaxValue;
        _values[_next] = value;
        return value;
    }

    protected override double Sample() => NextValue() * (1.0 / int.MaxValue);

    // Samples a range wider than int.MaxValue: one value, its sign from a second one.
    private double SampleWideRange()
    {
        int value = NextValue();
        if (NextValue() % 2 == 0)
            value = -value;
        return (value + (int.MaxValue - 1.0)) / (2u * int.MaxValue - 1);
    }

    public override int Next() => NextValue();

    public override int Next(int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return (int)(Sample() * maxValue);
    }

    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        long range = (long)maxValue - minValue;
        return range <= int.MaxValue
            ? (int)(Sample() * range) + minValue
            : (int)((long)(SampleWideRange() * range) + minValue);
    }

    public override long NextInt64()
    {
        while (true)
        {
            ulong value = NextUInt64() >> 1;
            if (value != long.MaxValue)
                return (long)value;
        }
    }

    public override long NextInt64(long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return NextInt64(0, maxValue);
    }

    public override long NextInt64(long minValue, long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        ulong range = (ulong)(maxValue - minValue);
        if (range <= 1)
            return minValue;
        // Draw from the smallest power of two covering the range; retry values outside it.
        int bits = 64 - BitOperations.LeadingZeroCount(range - 1); // ⌈log2(range)⌉
        while (true)
        {
            ulong value = NextUInt64() >> (64 - bits);
            if (value < range)
                return (long)value + minValue;
        }
    }

    // 64 bits from three scaled samples of 22, 22 and 20 bits, as .NET 10's seeded Random builds them.
    private ulong NextUInt64()
        => (ulong)(uint)Next(1 << 22) | ((ulong)(uint)Next(1 << 22) << 22) | ((ulong)(uint)Next(1 << 20) << 44);

    public override double NextDouble() => Sample();

    public override float NextSingle() => (float)Sample();

    public override void NextBytes(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        NextBytes(buffer.AsSpan());
    }

    public override void NextBytes(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++)
            buffer[i] = (byte)NextValue();
    }
}
