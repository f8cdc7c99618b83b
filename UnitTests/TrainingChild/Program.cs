// Usage: TrainingChild <SimpleConvNet|ResNet> <validation: 0|1> <checkpoint directory> <block at epoch> <block at step>
// Trains ResumeScenario with checkpoints; at the given 1-based epoch and step it prints BLOCKED and waits to be killed.
using Microsoft.ML;
using MLExtensions;
using MLExtensions.UnitTests;

if (args.Length != 5)
{
    Console.Error.WriteLine("usage: TrainingChild <architecture> <validation 0|1> <checkpoint directory> <block at epoch> <block at step>");
    return 2;
}

var ml = new MLContext(seed: 1);
var options = ResumeScenario.Options(Enum.Parse<CnnArchitecture>(args[0]), args[1] == "1", args[2]);
int blockEpoch = int.Parse(args[3]), blockStep = int.Parse(args[4]);
options.OnProgress = progress =>
{
    if (progress.Epoch != blockEpoch || progress.Step != blockStep)
        return;
    Console.WriteLine("BLOCKED");
    Console.Out.Flush();
    Thread.Sleep(Timeout.Infinite);
};
ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(ResumeScenario.Data(ml));
Console.Error.WriteLine("training finished without reaching the step to block at");
return 1;
