namespace MLExtensions;

/// <summary>The update rule <c>ImageCnn</c> trains with (TorchSharp's implementations).</summary>
public enum OptimizerKind
{
    /// <summary>Plain mini-batch SGD.</summary>
    Sgd,
    /// <summary>SGD with (heavy-ball) momentum.</summary>
    SgdMomentum,
    /// <summary>SGD with Nesterov momentum.</summary>
    SgdNesterov,
    /// <summary>AdaGrad: per-parameter rates scaled by the accumulated squared gradients.</summary>
    AdaGrad,
    /// <summary>RMSProp: rates scaled by a moving average of squared gradients (<c>RmsPropDecay</c>).</summary>
    RmsProp,
    /// <summary>Adam with bias correction; weight decay is added to the gradient (L2).</summary>
    Adam,
    /// <summary>Adam with decoupled weight decay.</summary>
    AdamW,
    /// <summary>Adam with the AMSGrad maximum of second moments.</summary>
    AmsGrad,
    /// <summary>Rectified Adam.</summary>
    RAdam,
}
