using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.TorchVision;

/// <summary>
/// torchvision's basic residual block with a chosen number of channels between its two convolutions (after filter
/// pruning). Same submodule names and the same operations in the same order as torchvision's, so its state dict and
/// its outputs are torchvision's.
/// </summary>
internal sealed class NarrowBasicBlock : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv1, bn1, relu1, conv2, bn2;
    private readonly Module<Tensor, Tensor>? downsample;

    internal NarrowBasicBlock(int inputs, int inner, int outputs, int stride, Module<Tensor, Tensor>? downsample) : base("BasicBlock")
    {
        conv1 = Conv2d(inputs, inner, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(inner);
        relu1 = ReLU(inplace: true);
        conv2 = Conv2d(inner, outputs, kernel_size: 3, stride: 1, padding: 1, bias: false);
        bn2 = BatchNorm2d(outputs);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = bn2.call(conv2.call(relu1.call(bn1.call(conv1.call(input)))));
        var identity = downsample is null ? input : downsample.call(input);
        return x.add_(identity).relu_();
    }
}

/// <summary>torchvision's bottleneck block (stride on the 3×3 convolution) with chosen widths after its first two convolutions.</summary>
internal sealed class NarrowBottleneck : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv1, bn1, relu1, conv2, bn2, relu2, conv3, bn3;
    private readonly Module<Tensor, Tensor>? downsample;

    internal NarrowBottleneck(int inputs, int inner1, int inner2, int outputs, int stride, Module<Tensor, Tensor>? downsample) : base("Bottleneck")
    {
        conv1 = Conv2d(inputs, inner1, kernel_size: 1, bias: false);
        bn1 = BatchNorm2d(inner1);
        relu1 = ReLU(inplace: true);
        conv2 = Conv2d(inner1, inner2, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn2 = BatchNorm2d(inner2);
        relu2 = ReLU(inplace: true);
        conv3 = Conv2d(inner2, outputs, kernel_size: 1, bias: false);
        bn3 = BatchNorm2d(outputs);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = relu1.call(bn1.call(conv1.call(input)));
        x = relu2.call(bn2.call(conv2.call(x)));
        x = bn3.call(conv3.call(x));
        var identity = downsample is null ? input : downsample.call(input);
        return x.add_(identity).relu_();
    }
}
