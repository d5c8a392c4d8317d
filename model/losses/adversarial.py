"""Relativistic average least-squares GAN (paper eq. 12, after Jolicoeur-Martineau).

Scores come from the video discriminator on (previous, current) frame pairs. Pure functions of
the scores: (loss, metrics)."""


def _relativistic(winner, loser):
    """E[(winner - E[loser] - 1)^2] + E[(loser - E[winner] + 1)^2]."""
    return ((winner - loser.mean() - 1.0) ** 2).mean() + ((loser - winner.mean() + 1.0) ** 2).mean()


def generator_adversarial(fake_scores, real_scores):
    """Loss for the generator: its fakes should look more real than the real pairs."""
    loss = _relativistic(fake_scores, real_scores.detach())
    return loss, {}


def discriminator_adversarial(real_scores, fake_scores):
    """Loss for the discriminator: real pairs should look more real than the fakes."""
    loss = _relativistic(real_scores, fake_scores)
    return loss, {
        "d_real": float(real_scores.detach().mean()),
        "d_fake": float(fake_scores.detach().mean()),
    }
