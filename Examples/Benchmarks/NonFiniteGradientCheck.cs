using MLExtensions;
using MLExtensions.Cnn;
using static TorchSharp.torch;

namespace Benchmarks;

/// <summary>
/// How often a plain TorchSharp loop of a tiny SimpleConvNet or ResNet (widths 4 and 8) gets a non-finite loss or
/// gradient within a number of Adam steps, over many seeds: what first showed oneDNN going wrong on
/// this project's machine. Run it with <c>MLEXTENSIONS_ONEDNN=on</c> (oneDNN kept) or <c>off</c>, under different
/// <c>DNNL_MAX_CPU_ISA</c> and <c>OMP_NUM_THREADS</c> values.
/// </summary>
internal static class NonFiniteGradientCheck
{
    internal const string Argument = "--non-finite-check";

    internal static void Run(int seeds, int steps, string architecture)
    {
        int failed = 0;
        for (int seed = 0; seed < seeds; seed++)
        {
            random.manual_seed(seed);
            var description = new NetworkDescription { Architecture = architecture == "resnet" ? CnnArchitecture.ResNet : CnnArchitecture.SimpleConvNet, InputShape = new(1, 28, 28), ClassCount = 10,
                Widths = [4, 8], Blocks = architecture == "resnet" ? [1, 1] : [], HiddenUnits = 16 };
            using var net = NetworkFactory.Create(description);
            using var optimizer = optim.Adam(net.parameters(), 1e-3);
            using var x = rand(640, 1, 28, 28);
            using var y = randint(10, [640], dtype: int64);
            net.train();
            for (int step = 0; step < steps; step++)
            {
                using var scope = NewDisposeScope();
                var index = randint(640, [32], dtype: int64);
                var logits = net.call(x.index_select(0, index));
                var loss = nn.functional.cross_entropy(logits, y.index_select(0, index));
                optimizer.zero_grad();
                loss.backward();
                bool gradBad = net.parameters().Any(p => p.grad is { } g && !g.isfinite().all().item<bool>());
                bool outputBad = !logits.isfinite().all().item<bool>();
                if (outputBad || gradBad || !float.IsFinite(loss.item<float>()))
                {
                    var which = string.Join(",", net.named_parameters().Where(p => p.parameter.grad is { } g && !g.isfinite().all().item<bool>()).Select(p => p.name));
                    Console.WriteLine($"seed {seed} step {step}: output finite {!outputBad}, bad grads [{which}]");
                    failed++;
                    break;
                }
                optimizer.step();
            }
        }
        Console.WriteLine($"{failed} of {seeds} runs went non-finite; threads {get_num_threads()}, DNNL_MAX_CPU_ISA={Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA")}");
    }
}
