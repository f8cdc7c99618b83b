using System.Globalization;

namespace MLExtensions;

/// <summary>
/// A numeric training option the search samples: its property name on the options (e.g. "LearningRate"), its range,
/// and whether it is sampled uniformly in log space (rates, weight decay) or linearly (dropout).
/// </summary>
public sealed record SearchRange(string Option, double Low, double High, bool LogScale = true)
{
    /// <summary>
    /// Samples <paramref name="option"/> log-uniformly in [<paramref name="low"/>, <paramref name="high"/>] (both > 0):
    /// for rates, decays and other scale parameters.
    /// </summary>
    public static SearchRange Log(string option, double low, double high) => new(option, low, high, LogScale: true);

    /// <summary>
    /// Samples <paramref name="option"/> uniformly in [<paramref name="low"/>, <paramref name="high"/>]: for fractions
    /// such as dropout.
    /// </summary>
    public static SearchRange Linear(string option, double low, double high) => new(option, low, high, LogScale: false);

    internal double Sample(Random random)
        => LogScale ? Math.Exp(Math.Log(Low) + random.NextDouble() * (Math.Log(High) - Math.Log(Low))) : Low + random.NextDouble() * (High - Low);

    /// <summary>
    /// The range narrowed to a quarter of its width (in log space when it samples so) around <paramref name="centre"/>,
    /// inside the original.
    /// </summary>
    internal SearchRange Around(double centre)
    {
        if (LogScale)
        {
            double half = (Math.Log(High) - Math.Log(Low)) / 8;
            return this with { Low = Math.Max(Low, centre * Math.Exp(-half)), High = Math.Min(High, centre * Math.Exp(half)) };
        }
        double width = (High - Low) / 8;
        return this with { Low = Math.Max(Low, centre - width), High = Math.Min(High, centre + width) };
    }

    internal void Check(Type optionsType)
    {
        var property = optionsType.GetProperty(Option)
            ?? throw new ArgumentException($"The search range names '{Option}', which {optionsType.Name} does not have.");
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (type != typeof(double) && type != typeof(int))
            throw new ArgumentException($"The search range '{Option}' must name a numeric option; {optionsType.Name}.{Option} is {property.PropertyType.Name}.");
        if (!(Low < High) || (LogScale && !(Low > 0)))
            throw new ArgumentException($"The search range '{Option}' needs Low < High{(LogScale ? " and Low > 0 (log scale)" : "")}; got [{Low.ToString(CultureInfo.InvariantCulture)}, {High.ToString(CultureInfo.InvariantCulture)}].");
    }

    internal static void Apply(CnnTrainingOptions options, string option, double value)
    {
        var property = options.GetType().GetProperty(option)!;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        property.SetValue(options, type == typeof(int) ? (object)(int)Math.Round(value) : value);
    }

    internal static double? Read(CnnTrainingOptions options, string option)
        => options.GetType().GetProperty(option)!.GetValue(options) is { } value ? Convert.ToDouble(value, CultureInfo.InvariantCulture) : null;
}
