// Usage: IsolatedLoader <model.zip> <data.idv> <column> <output.bin>
// Loads a model with a brand-new MLContext, scores binary-saved data, writes the float vector column as raw floats.
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length != 4)
{
    Console.Error.WriteLine("usage: IsolatedLoader <model.zip> <data.idv> <column> <output.bin>");
    return 2;
}

var ml = new MLContext();
var model = ml.Model.Load(args[0], out _);
var data = ml.Data.LoadFromBinary(args[1]);
var scored = model.Transform(data);
var column = scored.Schema[args[2]];

using var output = new BinaryWriter(File.Create(args[3]));
using var cursor = scored.GetRowCursor([column]);
var getter = cursor.GetGetter<VBuffer<float>>(column);
var buffer = default(VBuffer<float>);
long rows = 0;
while (cursor.MoveNext())
{
    getter(ref buffer);
    foreach (var value in buffer.DenseValues())
        output.Write(value);
    rows++;
}
Console.WriteLine($"scored {rows} rows; loaded transformers: {string.Join(", ", (model as IEnumerable<ITransformer> ?? [model]).Select(t => t.GetType().Name))}");
return 0;
