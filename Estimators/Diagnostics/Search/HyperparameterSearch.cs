using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLExtensions.Cnn;
using MLExtensions.Diagnostics;
using MLExtensions.MLNetInternals;

namespace MLExtensions;

/// <summary>The search's trials, the best configuration and its fitted model.</summary>
public sealed class HyperparameterSearchResult
{
    internal HyperparameterSearchResult(IReadOnlyList<SearchTrial> trials, SearchTrial best, SearchTrial baseline, CnnTrainingOptions bestOptions, ImageCnnTransformer bestModel)
    {
        Trials = trials;
        Best = best;
        Baseline = baseline;
        BestOptions = bestOptions;
        BestModel = bestModel;
    }

    /// <summary>Every trial, in the order they ran.</summary>
    public IReadOnlyList<SearchTrial> Trials { get; }

    /// <summary>The best trial of the final budget (possibly the baseline).</summary>
    public SearchTrial Best { get; }

    /// <summary>The base options as given, trained at the final budget.</summary>
    public SearchTrial Baseline { get; }

    /// <summary>The base options with the best trial's values (and its epochs).</summary>
    public CnnTrainingOptions BestOptions { get; }

    /// <summary>
    /// The best trial's fitted model (trained on the search's training rows, its validation rows held out).
    /// </summary>
    public ImageCnnTransformer BestModel { get; }

    /// <summary>The trials as a Markdown table, best final-budget trial in bold.</summary>
    public string Table()
    {
        var names = Trials.SelectMany(t => t.Values.Keys).Distinct().ToArray();
        var table = new StringBuilder($"| # | stage | rung | epochs | {string.Join(" | ", names)} | validation accuracy | validation loss | seconds |\n");
        table.Append($"| ---: | --- | ---: | ---: | {string.Join(" | ", names.Select(_ => "---:"))} | ---: | ---: | ---: |\n");
        for (int i = 0; i < Trials.Count; i++)
        {
            var t = Trials[i];
            string bold = t == Best ? "**" : "";
            table.Append(CultureInfo.InvariantCulture,
                $"| {i + 1} | {t.Stage} | {t.Rung} | {t.Epochs} | {string.Join(" | ", names.Select(n => t.Values.TryGetValue(n, out var v) ? double.IsNaN(v) ? "(default)" : v.ToString("G3", CultureInfo.InvariantCulture) : ""))} | " +
                $"{bold}{t.ValidationAccuracy:P2}{bold} | {t.ValidationLoss:F4} | {t.Seconds:F0} |\n");
        }
        return table.ToString();
    }
}

/// <summary>
/// Random search in log space with successive halving, coarse then fine (training checklist §9): see
/// <see cref="HyperparameterSearchOptions"/>. Trials are independent trainings from scratch on the same training and
/// validation rows; finished ones are kept in a trial log so a search can resume or be spread over machines.
/// </summary>
public static class HyperparameterSearch
{
    /// <summary>
    /// Searches the ranges in <paramref name="search"/> around <paramref name="baseOptions"/>, coarse to fine with
    /// successive halving, and returns every trial and the best options.
    /// </summary>
    /// <param name="mlContext">Supplies the seed and log.</param>
    /// <param name="baseOptions">Everything not searched (an <see cref="ImageCnnTrainer.Options"/> or
    /// <see cref="FineTuneTrainer.Options"/>); trained as the baseline too.</param>
    /// <param name="data">Training rows with the options' label and feature columns.</param>
    /// <param name="search">What and how to search; null: learning rate and weight decay with the defaults.</param>
    public static HyperparameterSearchResult Run(MLContext mlContext, CnnTrainingOptions baseOptions, IDataView data, HyperparameterSearchOptions? search = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(baseOptions);
        ArgumentNullException.ThrowIfNull(data);
        search ??= new HyperparameterSearchOptions();
        Validate(search, baseOptions);
        var runner = new TrialRunner(mlContext, baseOptions, Subset(mlContext, data, search), search);
        var random = new Random(search.Seed);
        var coarse = Halve(runner, "coarse", Sample(search.Ranges, search.Trials, random), search);
        var finalists = coarse.ToList();
        if (search.RefineTrials > 0)
        {
            var centre = finalists.MaxBy(t => t.Trial.ValidationAccuracy)!.Trial.Values;
            var narrowed = search.Ranges.Select(r => r.Around(centre[r.Option])).ToList();
            finalists.AddRange(Halve(runner, "fine", Sample(narrowed, search.RefineTrials, random), search));
        }
        var baselineValues = search.Ranges.ToDictionary(r => r.Option, r => SearchRange.Read(baseOptions, r.Option) ?? double.NaN);
        var baseline = runner.Run("baseline", search.Rungs - 1, FinalEpochs(search), baselineValues);
        finalists.Add(baseline);
        var best = finalists.MaxBy(t => t.Trial.ValidationAccuracy)!;
        var model = best.Model ?? runner.Run(best.Trial.Stage, best.Trial.Rung, best.Trial.Epochs, best.Trial.Values, refit: true).Model!;
        return new HyperparameterSearchResult(runner.Trials, best.Trial, baseline.Trial, runner.OptionsFor(best.Trial.Epochs, best.Trial.Values), model);
    }

    private static int FinalEpochs(HyperparameterSearchOptions search) => search.MinEpochs * (int)Math.Pow(search.ReductionFactor, search.Rungs - 1);

    // Every configuration at the first rung's epochs, then the best 1/η of them at η times the epochs, and so on.
    private static List<TrialRunner.Outcome> Halve(TrialRunner runner, string stage, List<Dictionary<string, double>> configurations, HyperparameterSearchOptions search)
    {
        var survivors = configurations;
        List<TrialRunner.Outcome> outcomes = [];
        for (int rung = 0; rung < search.Rungs; rung++)
        {
            int epochs = search.MinEpochs * (int)Math.Pow(search.ReductionFactor, rung);
            outcomes = survivors.Select(values => runner.Run(stage, rung, epochs, values)).ToList();
            int keep = Math.Max(1, survivors.Count / search.ReductionFactor);
            survivors = outcomes.OrderByDescending(o => o.Trial.ValidationAccuracy).Take(keep).Select(o => o.Trial.Values.ToDictionary()).ToList();
        }
        return outcomes;
    }

    private static List<Dictionary<string, double>> Sample(IList<SearchRange> ranges, int count, Random random)
        => Enumerable.Range(0, count).Select(_ => ranges.ToDictionary(r => r.Option, r => r.Sample(random))).ToList();

    private static IDataView Subset(MLContext ml, IDataView data, HyperparameterSearchOptions search)
        => search.MaxRows is int rows ? ml.Data.Cache(ml.Data.TakeRows(ml.Data.ShuffleRows(data, search.Seed), rows)) : data;

    private static void Validate(HyperparameterSearchOptions search, CnnTrainingOptions baseOptions)
    {
        if (search.Ranges.Count == 0)
            throw new ArgumentException("The search needs at least one range.");
        foreach (var range in search.Ranges)
            range.Check(baseOptions.GetType());
        if (search.Trials < 1 || search.MinEpochs < 1 || search.ReductionFactor < 2 || search.Rungs < 1 || search.RefineTrials < 0)
            throw new ArgumentOutOfRangeException(nameof(search), "Trials, MinEpochs and Rungs must be at least 1, ReductionFactor at least 2, RefineTrials at least 0.");
        if (baseOptions.ValidationSet is null && search.ValidationFraction is not (> 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(search), $"Without a ValidationSet in the base options, ValidationFraction must be in (0, 1); got {search.ValidationFraction}.");
    }

    /// <summary>Trains one configuration (or reads it from the trial log) and keeps every trial.</summary>
    private sealed class TrialRunner(MLContext ml, CnnTrainingOptions baseOptions, IDataView data, HyperparameterSearchOptions search)
    {
        private readonly TrialLog _log = new(search.TrialLogPath, warning =>
        {
            using var channel = CatalogEnvironment.Of(ml.Data).Start(nameof(HyperparameterSearch));
            channel.Warning(MessageSensitivity.None, warning);
        });

        internal sealed record Outcome(SearchTrial Trial, ImageCnnTransformer? Model);

        public List<SearchTrial> Trials { get; } = [];

        public Outcome Run(string stage, int rung, int epochs, IReadOnlyDictionary<string, double> values, bool refit = false)
        {
            var probe = new SearchTrial(stage, rung, epochs, values, 0, 0, 0);
            if (!refit && _log.TryGet(probe.Key, out var logged))
                return Record(logged, null);
            var clock = Stopwatch.StartNew();
            var model = CnnTrainers.For(ml, OptionsFor(epochs, values)).Fit(data);
            var last = model.History.Epochs[^1];
            var trial = probe with
            {
                ValidationAccuracy = last.ValidationAccuracy ?? throw new InvalidOperationException("A search trial ran without validation data."),
                ValidationLoss = last.ValidationLoss ?? double.NaN,
                Seconds = clock.Elapsed.TotalSeconds,
            };
            if (refit)
                return new Outcome(trial, model);
            _log.Add(trial);
            return Record(trial, model);
        }

        private Outcome Record(SearchTrial trial, ImageCnnTransformer? model)
        {
            Trials.Add(trial);
            search.OnTrial?.Invoke(trial);
            return new Outcome(trial, model);
        }

        // The base options with the trial's values and epochs, the same validation rows, and nothing that writes or stops early.
        public CnnTrainingOptions OptionsFor(int epochs, IReadOnlyDictionary<string, double> values)
        {
            var options = baseOptions.CopyForInnerRun<CnnTrainingOptions>(epochs);
            options.Seed ??= 1;
            if (options.ValidationSet is null)
                options.ValidationFraction = search.ValidationFraction;
            foreach (var (option, value) in values)
                if (!double.IsNaN(value))
                    SearchRange.Apply(options, option, value);
            return options;
        }
    }
}
