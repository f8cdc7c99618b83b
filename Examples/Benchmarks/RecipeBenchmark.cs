using System.Diagnostics;
using Microsoft.ML;
using MLExtensions;

namespace Benchmarks;

/// <summary>
/// <see cref="SmallImageRecipe"/> on the full Fashion-MNIST: one model (accuracy, wall time), an ensemble of models
/// with other seeds, and an ablation that leaves out one ingredient at a time. Trained models are kept in a folder
/// so that a long run can be continued in another process.
/// </summary>
internal static class RecipeBenchmark
{
    // The benchmark table of the Fashion-MNIST README (github.com/zalandoresearch/fashion-mnist, "Benchmark" section).
    private static readonly (string Model, double Accuracy)[] Published =
    [
        ("2 Conv + pooling + BatchNorm", 0.934),
        ("ResNet-18", 0.949),
        ("WRN-28-10 + random erasing", 0.963),
    ];

    internal static void Run(MLContext ml, FashionMnistData data, int epochs, int members, bool ablation, string folder)
    {
        Directory.CreateDirectory(folder);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train);
        var train = ml.Data.Cache(keys.Transform(data.Train));
        var test = ml.Data.Cache(keys.Transform(data.Test));
        // Each model is scored once: the seed-1 model appears in every table, and each member again in the diverse ensemble's.
        var accuracies = new Dictionary<ITransformer, double>(ReferenceEqualityComparer.Instance);
        double Accuracy(ITransformer model) =>
            accuracies.TryGetValue(model, out double known) ? known : accuracies[model] = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        var runs = new RecipeRuns(ml, train, folder, epochs);

        var single = runs.Get("recipe-seed1", RecipeIngredients.All, seed: 1);
        // Test-time flips change scoring only: the same trained model scored without them.
        var withoutFlips = single with { Model = single.Model.WithTestTimeAugmentation(TestTimeAugmentation.None) };
        var rows = new List<(string Name, double Accuracy, double Minutes)>
        {
            ($"**recipe, one model** ({epochs} epochs)", Accuracy(single.Model), single.Minutes),
            ("recipe, one model, without test-time flips", Accuracy(withoutFlips.Model), single.Minutes),
        };
        var ensemble = Enumerable.Range(1, members).Select(s => s == 1 ? single : runs.Get($"recipe-seed{s}", RecipeIngredients.All, s)).ToArray();
        if (members > 1)
            rows.AddRange(EnsembleRows(ml, ensemble, Accuracy));
        PrintResults(rows, epochs);
        if (!ablation)
            return;
        var variants = PrintAblation(runs, Accuracy, single, withoutFlips, epochs);
        if (members > 1)
            PrintDiverseEnsemble(ml, ensemble, variants, Accuracy);
    }

    private static IEnumerable<(string, double, double)> EnsembleRows(MLContext ml, RecipeRuns.Run[] members, Func<ITransformer, double> accuracy)
    {
        var each = members.Select(m => accuracy(m.Model)).ToArray();
        yield return ($"recipe, each of the {members.Length} models alone (seeds 1-{members.Length}): {string.Join(", ", each.Select(a => a.ToString("P2")))}",
                      each.Average(), members.Average(m => m.Minutes));
        yield return ($"**recipe, mean of {members.Length} models** (seeds 1-{members.Length})",
                      accuracy(Average(ml, members)), members.Sum(m => m.Minutes));
    }

    // Members that differ in more than their seed disagree more, which is what averaging gains from. Declared before
    // looking at the result: every ResNet model the benchmark trained, not a pick by test accuracy.
    private static void PrintDiverseEnsemble(MLContext ml, RecipeRuns.Run[] seeds, RecipeRuns.Run[] variants, Func<ITransformer, double> accuracy)
    {
        var all = seeds.Concat(variants).ToArray();
        Console.WriteLine();
        Console.WriteLine("Averaging more diverse members (compare the mean of the seeds above)");
        Console.WriteLine();
        Console.WriteLine("| ensemble | test accuracy | training (wall) |");
        Console.WriteLine("| --- | ---: | ---: |");
        Console.WriteLine($"| mean of the {seeds.Length} seeds and the {variants.Length} ResNet ablation models ({all.Length} models) | {accuracy(Average(ml, all)):P2} | {all.Sum(m => m.Minutes):F1} min |");
    }

    private static ITransformer Average(MLContext ml, RecipeRuns.Run[] runs) =>
        ml.Transforms.AverageEnsemble(runs.Select(r => (ITransformer)r.Model).ToArray());

    private static void PrintResults(List<(string Name, double Accuracy, double Minutes)> rows, int epochs)
    {
        Console.WriteLine();
        Console.WriteLine($"SmallImageRecipe on full Fashion-MNIST, {epochs} epochs per model, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| model | test accuracy | training (wall) |");
        Console.WriteLine("| --- | ---: | ---: |");
        foreach (var (name, accuracy, minutes) in rows)
            Console.WriteLine($"| {name} | {accuracy:P2} | {minutes:F1} min |");
        foreach (var (model, accuracy) in Published)
            Console.WriteLine($"| published: {model} | {accuracy:P1} | |");
    }

    /// <returns>The ablation models that keep the residual network (for the diverse ensemble).</returns>
    private static RecipeRuns.Run[] PrintAblation(RecipeRuns runs, Func<ITransformer, double> accuracy, RecipeRuns.Run full, RecipeRuns.Run withoutFlips, int epochs)
    {
        double fullAccuracy = accuracy(full.Model);
        Console.WriteLine();
        Console.WriteLine($"Ablation: the recipe without one ingredient at a time, {epochs} epochs, seed 1");
        Console.WriteLine();
        Console.WriteLine("| recipe without | test accuracy | the ingredient adds | training (wall) |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Console.WriteLine($"| (nothing: the whole recipe) | {fullAccuracy:P2} | | {full.Minutes:F1} min |");
        var residual = new List<RecipeRuns.Run>();
        foreach (var ingredient in Enum.GetValues<RecipeIngredients>().Where(i => i is not (RecipeIngredients.None or RecipeIngredients.All)))
        {
            var run = ingredient == RecipeIngredients.FlipAtTestTime
                ? withoutFlips
                : runs.Get($"without-{ingredient}", RecipeIngredients.All & ~ingredient, seed: 1);
            if (ingredient is not (RecipeIngredients.FlipAtTestTime or RecipeIngredients.ResidualNetwork))
                residual.Add(run);
            double without = accuracy(run.Model);
            Console.WriteLine($"| {ingredient} | {without:P2} | {(fullAccuracy - without) * 100:+0.00;−0.00} points | {run.Minutes:F1} min |");
        }
        var baseline = runs.Get("baseline", RecipeIngredients.None, seed: 1);
        double baselineAccuracy = accuracy(baseline.Model);
        Console.WriteLine($"| everything (the SimpleConvNet baseline) | {baselineAccuracy:P2} | {(fullAccuracy - baselineAccuracy) * 100:+0.00;−0.00} points | {baseline.Minutes:F1} min |");
        return residual.ToArray();
    }
}

/// <summary>Trains recipe variants once and keeps each model zip with its training minutes in a folder.</summary>
internal sealed class RecipeRuns(MLContext ml, IDataView train, string folder, int epochs)
{
    internal sealed record Run(ImageCnnTransformer Model, double Minutes);

    internal Run Get(string name, RecipeIngredients ingredients, int seed)
    {
        string zip = Path.Combine(folder, $"{name}-{epochs}ep.zip");
        // A run saved without its minutes is trained again: the benchmark reports every run's wall time.
        if (TimedModelFile.Load(ml, zip) is { } saved && !double.IsNaN(saved.Minutes))
        {
            Console.WriteLine($"  {name}: {zip} (delete it to train again)");
            return new((ImageCnnTransformer)saved.Model, saved.Minutes);
        }
        var options = SmallImageRecipe.Options(epochs, ingredients, seed);
        options.OnEpochEnd = e => Console.WriteLine($"  {name}: {e}");
        var clock = Stopwatch.StartNew();
        var model = ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(train);
        double minutes = clock.Elapsed.TotalMinutes;
        TimedModelFile.Save(ml, model, train.Schema, zip, minutes);
        return new(model, minutes);
    }
}
