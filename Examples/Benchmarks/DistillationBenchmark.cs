using System.Diagnostics;
using Microsoft.ML;
using MLExtensions;

namespace Benchmarks;

/// <summary>
/// Knowledge distillation on the full Fashion-MNIST: the ensemble benchmark's five SimpleConvNet members as the teacher,
/// and students trained alone and distilled with the same options and seed — one with a member's network, one half as wide.
/// </summary>
internal static class DistillationBenchmark
{
    internal static void Run(MLContext ml, FashionMnistData data, int members, int epochs, string teacherPath, DistillationOptions distillation)
    {
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train);
        var train = ml.Data.Cache(keys.Transform(data.Train));
        var test = ml.Data.Cache(keys.Transform(data.Test));
        double Accuracy(ITransformer model) => ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;

        var (teacher, teacherMinutes) = Teacher(ml, train, members, epochs, teacherPath);
        var memberAccuracies = teacher.Members.Select(Accuracy).ToArray();
        double teacherAccuracy = Accuracy(teacher);

        var rows = new List<(string Model, long Parameters, double Accuracy, string Training)>
        {
            ($"teacher: mean of {members} members", teacher.Members.Cast<ImageCnnTransformer>().Sum(Parameters), teacherAccuracy, FormatMinutes(teacherMinutes)),
        };
        foreach (var (name, configure, isMemberOne) in Students())
        {
            // A member is trained with exactly these options and seed 1, and CPU training is deterministic: member 1 is that run.
            var alone = isMemberOne ? ((ImageCnnTransformer)teacher.Members[0], teacherMinutes / members) : Train(ml, train, epochs, configure, null, $"{name}, alone");
            var distilled = Train(ml, train, epochs, configure, (teacher, distillation), $"{name}, distilled");
            rows.Add(($"{name}, alone{(isMemberOne ? " (the teacher's member 1)" : "")}", Parameters(alone.Item1), Accuracy(alone.Item1),
                      isMemberOne ? $"{FormatMinutes(alone.Item2)} (1/{members} of the teacher's)" : FormatMinutes(alone.Item2)));
            rows.Add(($"**{name}, distilled**", Parameters(distilled.Model), Accuracy(distilled.Model), FormatMinutes(distilled.Minutes)));
        }

        Console.WriteLine();
        Console.WriteLine($"Distillation on full Fashion-MNIST ({Environment.ProcessorCount} cores): T = {distillation.Temperature}, α = {distillation.Alpha}, " +
                          $"{epochs} epochs, the ensemble benchmark's options, seed 1. Members: {string.Join(", ", memberAccuracies.Select(a => a.ToString("P2")))}.");
        Console.WriteLine();
        Console.WriteLine("| model | parameters | test accuracy | training |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var (model, parameters, accuracy, training) in rows)
            Console.WriteLine($"| {model} | {parameters:N0} | {accuracy:P2} | {training} |");
    }

    private static IEnumerable<(string Name, Action<ImageCnnTrainer.Options> Configure, bool IsMemberOne)> Students()
    {
        yield return ("SimpleConvNet [32, 64], 128 hidden (a member's network)", _ => { }, true);
        yield return ("SimpleConvNet [16, 32], 64 hidden", o => { o.Widths = [16, 32]; o.HiddenUnits = 64; }, false);
    }

    /// <summary>The ensemble benchmark's settings (its member 1 is the first student trained alone).</summary>
    internal static ImageCnnTrainer.Options Options(int epochs) => new()
    {
        Optimizer = OptimizerKind.AdamW, LearningRate = 2e-3, WeightDecay = 1e-4, Dropout = 0.3,
        Schedule = LearningRateSchedule.Cosine(warmupEpochs: 1), Epochs = epochs, BatchSize = 128, Seed = 1,
        Device = ComputeDevice.Auto,
    };

    private static (AverageEnsembleTransformer Teacher, double Minutes) Teacher(MLContext ml, IDataView train, int members, int epochs, string path)
    {
        if (TimedModelFile.Load(ml, path) is { } saved)
        {
            Console.WriteLine($"Teacher: {path} (delete it to train the ensemble again)");
            return ((AverageEnsembleTransformer)saved.Model, saved.Minutes);
        }
        var clock = Stopwatch.StartNew();
        var options = Options(epochs);
        options.OnEpochEnd = e => Console.WriteLine($"  teacher member: {e}");
        var teacher = ml.MulticlassClassification.Trainers.AverageEnsemble(options, members).Fit(train);
        double minutes = clock.Elapsed.TotalMinutes;
        TimedModelFile.Save(ml, teacher, train.Schema, path, minutes);
        Console.WriteLine($"Teacher saved to {path}");
        return (teacher, minutes);
    }

    /// <summary>A teacher saved without its minutes has NaN: "not recorded".</summary>
    private static string FormatMinutes(double minutes) => double.IsNaN(minutes) ? "not recorded" : $"{minutes:F1} min";

    private static (ImageCnnTransformer Model, double Minutes) Train(MLContext ml, IDataView train, int epochs, Action<ImageCnnTrainer.Options> configure,
        (ITransformer Teacher, DistillationOptions Options)? distill, string label)
    {
        var options = Options(epochs);
        configure(options);
        options.OnEpochEnd = e => Console.WriteLine($"  {label}: {e}");
        var clock = Stopwatch.StartNew();
        var model = distill is { } d
            ? ml.MulticlassClassification.Trainers.DistillImageCnn(d.Teacher, options, d.Options).Fit(train)
            : ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(train);
        return (model, clock.Elapsed.TotalMinutes);
    }

    internal static long Parameters(ImageCnnTransformer model) => model.Network.parameters().Sum(p => p.numel());
}
