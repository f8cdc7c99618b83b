namespace MLExtensions;

/// <summary>Where tensors live while a component trains or predicts.</summary>
public enum ComputeDevice
{
    /// <summary>CUDA when a CUDA device and the CUDA backend are available, otherwise the CPU.</summary>
    Auto,
    /// <summary>Always the CPU.</summary>
    Cpu,
    /// <summary>The first CUDA device; an error when none is usable.</summary>
    Cuda,
}
