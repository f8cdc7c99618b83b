// MLExtensions next to Microsoft.ML.TorchSharp in one process: NuGet must resolve one TorchSharp for both, their
// trainer runs first (it initialises TorchSharp its own way), then ImageCnn trains and predicts.
// Their trainers download a pretrained model from aka.ms before training; where that host is unreachable the run can
// only show that their code gets as far as the download with our TorchSharp, which it reports.
using Microsoft.ML;
using Microsoft.ML.TorchSharp;
using MLExtensions;

var ml = new MLContext(seed: 1);
Console.WriteLine($"TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version} loaded for both");

var sentences = ml.Data.LoadFromEnumerable(new[]
{
    new Sentence { Text = "a wonderful film", Label = "positive" },
    new Sentence { Text = "a dreadful film", Label = "negative" },
});
var theirs = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.MulticlassClassification.Trainers.TextClassification(sentence1ColumnName: "Text", maxEpochs: 1));
bool theirsOk;
try
{
    theirs.Fit(sentences);
    Console.WriteLine("Microsoft.ML.TorchSharp TextClassification: trained");
    theirsOk = true;
}
catch (InvalidOperationException e) when (e.Message.StartsWith("Error downloading resource", StringComparison.Ordinal))
{
    Console.WriteLine($"Microsoft.ML.TorchSharp TextClassification: stopped at downloading {e.Message.Split('\'')[1]} (offline); no other error");
    theirsOk = true;
}

var images = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
var ours = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options { Epochs = 2, Seed = 1, Device = ComputeDevice.Cpu }))
    .Fit(images.Train);
double accuracy = ml.MulticlassClassification.Evaluate(ours.Transform(images.Test)).MicroAccuracy;
Console.WriteLine($"MLExtensions ImageCnn: accuracy {accuracy:P1} on the subset's test images");
return theirsOk && accuracy > 0.5 ? 0 : 1;

internal sealed class Sentence
{
    public string Text { get; set; } = "";
    public string Label { get; set; } = "";
}
