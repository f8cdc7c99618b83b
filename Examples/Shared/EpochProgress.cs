using MLExtensions;
using Spectre.Console;

namespace Examples.Shared;

/// <summary>
/// Training progress on the console with Spectre.Console: on a terminal, a live bar per epoch with the loss, accuracy
/// and learning rate so far and the time left; every finished epoch as a line (the only output when redirected).
/// Give <see cref="Update"/> to <c>Options.OnProgress</c> and <see cref="Complete"/> to <c>Options.OnEpochEnd</c>, and
/// fit inside <see cref="Run{T}"/>.
/// </summary>
internal sealed class EpochProgress
{
    private ProgressContext? _context;
    private ProgressTask? _epoch;

    private static bool Live => AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    public T Run<T>(Func<T> fit)
    {
        if (!Live)
            return fit();
        return AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                _context = context;
                try
                {
                    return fit();
                }
                finally
                {
                    _context = null;
                }
            });
    }

    public void Update(TrainingProgress p)
    {
        if (_context is null)
            return;
        if (_epoch is null || !_epoch.Description.StartsWith($"epoch {p.Epoch,2}/", StringComparison.Ordinal))
            _epoch = _context.AddTask(Describe(p), maxValue: p.Steps);
        _epoch.Description = Describe(p);
        _epoch.Value = p.Step;
    }

    public void Complete(EpochMetrics metrics)
    {
        if (_epoch is not null)
        {
            _epoch.Value = _epoch.MaxValue;
            _epoch.StopTask();
        }
        if (_context is null)
            Console.WriteLine($"  {metrics}");
        else
            AnsiConsole.MarkupLine($"  [grey]{Markup.Escape(metrics.ToString())}[/]");
    }

    private static string Describe(TrainingProgress p)
        => Markup.Escape($"epoch {p.Epoch,2}/{p.Epochs}  loss {p.Loss:F4}  acc {p.Accuracy:P1}" + (double.IsNaN(p.LearningRate) ? "" : $"  lr {p.LearningRate:G3}"));
}
