using Microsoft.ML;
using MLExtensions;

var ml = new MLContext(seed: 1);
var photos = ml.Data.LoadImagesFromFolder("photos");   // photos/<class>/*.jpg → Label, ImagePath
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Transforms.LoadRawImageBytes("Image", imageFolder: null, inputColumnName: "ImagePath"))
    .Append(ml.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options
    {
        FeatureColumnName = "Image", ImageHeight = 128, ImageWidth = 128,   // the size the network sees
        OnEpochEnd = epoch => Console.WriteLine(epoch),                    // one line per epoch
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
var model = pipeline.Fit(photos);
ml.Model.Save(model, photos.Schema, "model.zip");

var engine = ml.Model.CreatePredictionEngine<Photo, Prediction>(ml.Model.Load("model.zip", out _));
Console.WriteLine(engine.Predict(new Photo { ImagePath = "photos/cat/1.jpg" }).PredictedLabel);

class Photo { public string ImagePath { get; set; } = ""; public string Label { get; set; } = ""; }   // Label: read by MapValueToKey, may stay empty
class Prediction { public string PredictedLabel { get; set; } = ""; public float[] Score { get; set; } = []; }
