using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLExtensions.Training;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>What a CNN trainer builds before training: the network's description, the network on the training device, and what of it trains.</summary>
internal sealed record CnnNetwork(NetworkDescription Description, nn.Module<Tensor, Tensor> Network, TrainingPlan Plan);

/// <summary>
/// The <c>Fit</c> both CNN trainers share: resolve the device, find the checkpoint to resume from, read and check
/// the data, build the network (the trainer's part), train it, and wrap it as an <see cref="ImageCnnTransformer"/>.
/// </summary>
internal static class CnnFit
{
    /// <param name="build">Builds the network from the data, the training device, the seed and the log channel.</param>
    internal static ImageCnnTransformer Run(IHost host, CnnTrainingOptions options, string trainer, IDataView input,
        Func<CnnTrainingInputs, Device, int, IChannel, CnnNetwork> build)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var channel = host.Start("Fit");
        if (options.SanityCheckFirst)
            RequireSane(host, options, input, channel, trainer);
        var device = ComputeDeviceResolver.Resolve(options.Device);
        if (options.Device == ComputeDevice.Auto && device.type == TorchSharp.DeviceType.CPU)
            channel.Info(MessageSensitivity.None, $"{trainer}: ComputeDevice.Auto trains on the CPU: {ComputeDeviceResolver.CudaUnavailableReason}");
        using var checkpointLock = options.CheckpointDirectory is { } directory ? CheckpointDirectoryLock.Acquire(directory) : null;
        using var resume = FindCheckpoint(options, device, channel, trainer);
        int seed = options.Seed ?? (resume is null ? host.Rand.Next() : SeedOf(resume));
        using var inputs = CnnTrainingInputs.Read(input, options, seed, host, channel, trainer);
        options = options.WithDefaultsFor(inputs.Shape);
        var (description, network, plan) = build(inputs, device, seed, channel);
        var classes = inputs.Labels.Values ?? Enumerable.Range(1, inputs.Labels.Count).Select(k => $"key {k}").ToArray();
        var history = new CnnTrainingLoop(options, new CnnTrainingRun(trainer, description, classes), device, seed, host, channel)
            .Run(network, plan, inputs, resume);
        var model = new ImageCnnTransformer(description, network, device, inputs.Labels, options.FeatureColumnName,
            options.ScoreColumnName, options.PredictedLabelColumnName, history, options.InferenceBatchSize, options.TestTimeAugmentation);
        if (history.StopReason == TrainingStopReason.Diverged && options.ThrowOnDivergence)
            throw new TrainingDivergedException(history.StopMessage!, model);
        return model;
    }

    private static void RequireSane(IHost host, CnnTrainingOptions options, IDataView input, IChannel channel, string trainer)
    {
        var report = TrainingDiagnostics.SanityCheck(host, options, input);
        channel.Info(MessageSensitivity.None, $"{trainer}: {report}");
        if (!report.Passed)
            throw new InvalidOperationException($"{trainer} did not start: {report}");
    }

    /// <summary>The latest complete checkpoint to resume from, when the options ask to resume and there is one.</summary>
    private static Checkpoint? FindCheckpoint(CnnTrainingOptions options, Device device, IChannel channel, string trainer)
    {
        if (!options.ResumeFromCheckpoint)
            return null;
        if (CheckpointFile.Latest(options.CheckpointDirectory!) is { } latest)
            return CheckpointFile.Read(latest, device);
        channel.Info(MessageSensitivity.None, $"{trainer}: '{options.CheckpointDirectory}' holds no checkpoint yet; training starts at the first epoch.");
        return null;
    }

    // The seed decides the validation split, so a run without its own seed takes the checkpoint's.
    private static int SeedOf(Checkpoint checkpoint)
        => int.TryParse(checkpoint.Section("run").GetString("seed"), out int seed)
            ? seed
            : throw new InvalidDataException($"The checkpoint '{checkpoint.Path}' records no valid seed.");
}
