using Microsoft.ML;
using MLExtensions;

namespace GuideSnippets;

/// <summary>docs/guides/recipe.md</summary>
internal static class Recipe
{
    internal static void Train(MLContext ml, IDataView train)
    {
        var model = ml.MulticlassClassification.Trainers.ImageCnn(SmallImageRecipe.Options()).Fit(train);      // 26 epochs
        var quick = SmallImageRecipe.Options(epochs: 8, ingredients: RecipeIngredients.All & ~RecipeIngredients.RandomErasing);
    }
}
