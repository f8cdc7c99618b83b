// MLExtensions next to ML.NET's own TorchSharp and ONNX packages in one process: NuGet must resolve one TorchSharp
// and one Microsoft.ML for all, their components run first (Microsoft.ML.TorchSharp initialises TorchSharp its own way),
// then ImageCnn trains, is saved, reloaded in a fresh MLContext and must score every test image identically.
// Microsoft.ML.TorchSharp's trainers download a pretrained model from aka.ms before training; where that host is
// unreachable the run can only show that their code gets as far as the download with our TorchSharp, which it reports.
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TorchSharp;
using MLExtensions;

var ml = new MLContext(seed: 1);
var release = typeof(MLContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
Console.WriteLine($"Microsoft.ML {release}, TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version} loaded for all");

bool theirsOk = TheirTextClassifier(ml) & TheirOnnxExport(ml);

var images = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
var ours = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options { Epochs = 2, Seed = 1, Device = ComputeDevice.Cpu }))
    .Fit(images.Train);
double accuracy = ml.MulticlassClassification.Evaluate(ours.Transform(images.Test)).MicroAccuracy;
Console.WriteLine($"MLExtensions ImageCnn: accuracy {accuracy:P1} on the subset's test images");

var path = Path.Combine(Path.GetTempPath(), $"coexist-{Guid.NewGuid():N}.zip");
ml.Model.Save(ours, images.Train.Schema, path);
var fresh = new MLContext();
var reloaded = fresh.Model.Load(path, out _);
File.Delete(path);
var before = Scores(ml, ours.Transform(images.Test));
var after = Scores(fresh, reloaded.Transform(images.Test));
int differing = before.Zip(after).Count(pair => !pair.First.SequenceEqual(pair.Second));
Console.WriteLine($"MLExtensions ImageCnn reloaded in a fresh MLContext: {before.Count - differing} of {before.Count} test images scored identically");
return theirsOk && accuracy > 0.5 && differing == 0 && before.Count > 0 ? 0 : 1;

static List<float[]> Scores(MLContext context, IDataView scored)
    => context.Data.CreateEnumerable<Scored>(scored, reuseRowObject: false).Select(s => s.Score).ToList();

static bool TheirTextClassifier(MLContext ml)
{
    var sentences = ml.Data.LoadFromEnumerable(new[]
    {
        new Sentence { Text = "a wonderful film", Label = "positive" },
        new Sentence { Text = "a dreadful film", Label = "negative" },
    });
    var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.MulticlassClassification.Trainers.TextClassification(sentence1ColumnName: "Text", maxEpochs: 1));
    try
    {
        pipeline.Fit(sentences);
        Console.WriteLine("Microsoft.ML.TorchSharp TextClassification: trained");
    }
    catch (InvalidOperationException e) when (e.Message.StartsWith("Error downloading resource", StringComparison.Ordinal))
    {
        Console.WriteLine($"Microsoft.ML.TorchSharp TextClassification: stopped at downloading {e.Message.Split('\'')[1]} (offline); no other error");
    }
    return true;
}

// Microsoft.ML.OnnxConverter on an ordinary ML.NET pipeline in the same process.
static bool TheirOnnxExport(MLContext ml)
{
    var rows = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 20).Select(i => new Measurement { Features = [i, 2f * i, 1f] }));
    var model = ml.Transforms.NormalizeMinMax("Features").Fit(rows);
    using var onnx = new MemoryStream();
    ml.Model.ConvertToOnnx(model, rows, onnx);
    Console.WriteLine($"Microsoft.ML.OnnxConverter: a min-max normalizer exported as {onnx.Length} bytes of ONNX");
    return onnx.Length > 100;
}

internal sealed class Sentence
{
    public string Text { get; set; } = "";
    public string Label { get; set; } = "";
}

internal sealed class Measurement
{
    [VectorType(3)]
    public float[] Features { get; set; } = [];
}

internal sealed class Scored
{
    public float[] Score { get; set; } = [];
}
