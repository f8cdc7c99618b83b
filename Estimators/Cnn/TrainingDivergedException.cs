namespace MLExtensions;

/// <summary>
/// Training stopped because the loss became NaN or infinite. <see cref="LastGoodModel"/> holds the weights from
/// the end of the last epoch that finished with a finite loss (the initial weights if none did).
/// </summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    internal TrainingDivergedException(string message, ImageCnnTransformer lastGoodModel) : base(message)
        => LastGoodModel = lastGoodModel;

    /// <summary>
    /// The model with the weights of the last epoch whose loss was finite, usable like any fitted model.
    /// </summary>
    public ImageCnnTransformer LastGoodModel { get; }
}
