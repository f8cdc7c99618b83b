using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.UnitTests;

/// <summary>Schema problems in the training inputs are named for what they are, in the data they are in.</summary>
[TestClass]
public sealed class TrainingSchemaErrorTests
{
    [TestMethod]
    public void AValidationSetWithoutTheImageColumnIsNamedAsTheValidationData()
    {
        var data = CnnTestData.Load(trainRows: 64, testRows: 32);
        var validation = data.Ml.Transforms.CopyColumns("Pixels", "Features").Fit(data.Test).Transform(data.Test);
        validation = data.Ml.Transforms.DropColumns("Features").Fit(validation).Transform(validation);
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => CnnTestData.Fit(data, CnnTestData.Tiny(o => o.ValidationSet = validation)));
        StringAssert.StartsWith(error.Message, "In the validation data (Options.ValidationSet): Column 'Features' was not found");
        Assert.AreEqual("ValidationSet", error.ParamName);
    }

    [TestMethod]
    public void KeysStoredAsBytesAreRefusedNamingTheColumnAndTheFix()
    {
        var data = CnnTestData.Load(trainRows: 64);
        var byteKeys = ToByteKeys(data.Ml, data.Train);
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny()).Fit(byteKeys));
        StringAssert.Contains(error.Message, "Label column 'Label' holds keys stored as Byte");
        StringAssert.Contains(error.Message, "MapValueToKey(\"Label\")");
    }

    private static IDataView ToByteKeys(MLContext ml, IDataView keyed)
        => ml.Data.LoadFromEnumerable(ml.Data.CreateEnumerable<UIntLabelled>(keyed, reuseRowObject: false)
            .Select(r => new ByteLabelled { Label = (byte)r.Label, Features = r.Features }), ByteKeySchema());

    private static SchemaDefinition ByteKeySchema()
    {
        var schema = SchemaDefinition.Create(typeof(ByteLabelled));
        schema[nameof(ByteLabelled.Label)].ColumnType = new KeyDataViewType(typeof(byte), 10);
        schema[nameof(ByteLabelled.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28);
        return schema;
    }

    private sealed class UIntLabelled
    {
        public uint Label { get; set; }
        public float[] Features { get; set; } = [];
    }

    private sealed class ByteLabelled
    {
        public byte Label { get; set; }
        public float[] Features { get; set; } = [];
    }
}
