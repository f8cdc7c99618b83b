using System.Globalization;
using Microsoft.ML;

namespace Benchmarks;

/// <summary>
/// A trained model kept as a zip with its training minutes in a text file beside it, so that a later run (another
/// process, a later run) reuses both instead of training again.
/// </summary>
internal static class TimedModelFile
{
    internal static void Save(MLContext ml, ITransformer model, DataViewSchema schema, string zip, double minutes)
    {
        ml.Model.Save(model, schema, zip);
        File.WriteAllText(MinutesPath(zip), minutes.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>The saved model and its minutes (NaN for a zip saved without them), or null when there is no zip.</summary>
    internal static (ITransformer Model, double Minutes)? Load(MLContext ml, string zip)
    {
        if (!File.Exists(zip))
            return null;
        string minutesFile = MinutesPath(zip);
        double minutes = File.Exists(minutesFile) ? double.Parse(File.ReadAllText(minutesFile), CultureInfo.InvariantCulture) : double.NaN;
        return (ml.Model.Load(zip, out _), minutes);
    }

    private static string MinutesPath(string zip) => Path.ChangeExtension(zip, ".minutes");
}
