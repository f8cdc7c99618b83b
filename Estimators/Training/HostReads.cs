using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions.Training;

/// <summary>
/// How often the training loop reads values back from the device (the divergence check, progress reports): every
/// step on the CPU, where a read costs nothing, and every <see cref="CudaInterval"/> steps and at each epoch's last
/// step on CUDA, where a read stalls the host until the GPU has caught up, leaving the GPU idle while the next step
/// is queued. The running loss and accuracy are summed on the device meanwhile.
/// </summary>
internal sealed class HostReads(int everySteps)
{
    internal const int CudaInterval = 25;

    internal static HostReads For(Device device, int? everySteps = null)
        => new(everySteps ?? (device.type == DeviceType.CUDA ? CudaInterval : 1));

    internal int EverySteps { get; } = everySteps >= 1 ? everySteps : throw new ArgumentOutOfRangeException(nameof(everySteps), everySteps, "Reads happen at least every step.");

    /// <summary>True when the current step is one at which the loop reads from the device.</summary>
    internal bool Due(TrainingState state)
        => EverySteps == 1 || (state.Step + 1) % EverySteps == 0 || state.Step + 1 == state.StepsPerEpoch;
}
