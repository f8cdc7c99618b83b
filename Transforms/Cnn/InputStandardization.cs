using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Cnn;

/// <summary>
/// (x − mean) / std per channel, with the training images' statistics kept as buffers so they are saved with the
/// weights. It has nothing to train and stays in evaluation mode, so weight averaging leaves it alone.
/// </summary>
internal sealed class InputStandardization : Module<Tensor, Tensor>
{
    private readonly Tensor mean;
    private readonly Tensor std;

    public InputStandardization(IReadOnlyList<float> means, IReadOnlyList<float> standardDeviations) : base(nameof(InputStandardization))
    {
        mean = tensor(means.ToArray()).view(1, -1, 1, 1);
        std = tensor(standardDeviations.ToArray()).view(1, -1, 1, 1);
        RegisterComponents();
        base.train(false);
    }

    public override void train(bool on = true) => base.train(false);

    public override Tensor forward(Tensor input) => input.sub(mean).div_(std);
}
