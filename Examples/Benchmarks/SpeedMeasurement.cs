using System.Diagnostics;
using System.Globalization;
using MLExtensions;

namespace Benchmarks;

/// <summary>
/// One child process's measurement of a <see cref="SpeedWorkload"/>: training images/s over the measured batches,
/// inference images/s, what the kernel counted during the measured batches, and the network's forward multiply-adds per image.
/// </summary>
internal sealed record SpeedMeasurement(double TrainingImagesPerSecond, double InferenceImagesPerSecond, double FaultsPerStep,
    double SystemSecondsPerStep, double UserSecondsPerStep, double PeakRssMegabytes, double MultiplyAddsPerImage)
{
    internal string Serialize() => string.Join('|', new[] { TrainingImagesPerSecond, InferenceImagesPerSecond, FaultsPerStep,
        SystemSecondsPerStep, UserSecondsPerStep, PeakRssMegabytes, MultiplyAddsPerImage }.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    internal static SpeedMeasurement Parse(string text)
    {
        var v = text.Split('|').Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return new(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    }

    /// <summary>The clock and the kernel's counters between the end of the warm-up batches and the end of the last batch.</summary>
    internal sealed class Window(int warmupSteps, int measuredSteps)
    {
        private readonly Stopwatch _clock = new();
        private ProcessCounters _start;
        private int _steps;

        internal double Seconds { get; private set; }

        internal ProcessCounters Counted { get; private set; }

        internal int MeasuredSteps => measuredSteps;

        /// <summary>Call after every training step.</summary>
        internal void StepDone()
        {
            _steps++;
            if (_steps == warmupSteps)
            {
                _start = ProcessCounters.Now();
                _clock.Restart();
            }
            else if (_steps == warmupSteps + measuredSteps)
            {
                Seconds = _clock.Elapsed.TotalSeconds;
                Counted = ProcessCounters.Now() - _start;
            }
        }

        internal SpeedMeasurement Result(int batchSize, double inferenceImagesPerSecond, long multiplyAddsPerImage)
        {
            if (_steps < warmupSteps + measuredSteps)
                throw new InvalidOperationException($"Training ran {_steps} steps, fewer than the {warmupSteps} + {measuredSteps} to measure.");
            return new(measuredSteps * batchSize / Seconds, inferenceImagesPerSecond, (double)Counted.MinorFaults / measuredSteps,
                Counted.SystemSeconds / measuredSteps, Counted.UserSeconds / measuredSteps, ProcessCounters.Memory("VmHWM") / 1048576.0, multiplyAddsPerImage);
        }
    }

    /// <summary>The window as a training callback, for ImageCnn and FineTuneImageCnn.</summary>
    internal sealed class WindowCallback(Window window) : TrainingCallback
    {
        public override void OnBatchEnd(TrainingState state) => window.StepDone();
    }
}
