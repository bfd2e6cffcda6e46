from genlib.exercises import check_function, check_number


def test_check_number():
    assert check_number(16777215, 256**3 - 1, "hint")
    assert not check_number(256**3, 256**3 - 1, "m - 1")
    assert "m - 1" in repr(check_number(256**3, 256**3 - 1, "m - 1"))
    assert not check_number(None, 1, "hint")
    assert not check_number("many", 1, "hint")


def test_check_function():
    assert check_function(lambda n: 2**n - 1, [((1,), 1), ((3,), 7)], "hint")
    v = check_function(lambda n: 2**n, [((1,), 1)], "remember the sum-to-one constraint")
    assert not v and "sum-to-one" in repr(v)
    assert not check_function(lambda n: 1 / 0, [((1,), 1)], "hint")


def test_check_function_compares_arrays():
    import numpy as np
    import torch

    assert check_function(lambda n: np.arange(n), [((3,), np.array([0, 1, 2]))], "hint")
    assert check_function(lambda n: torch.arange(n).float(), [((3,), np.array([0, 1, 2]))], "hint")
    assert not check_function(lambda n: np.arange(n), [((3,), np.array([0, 1, 3]))], "hint")
    assert not check_function(lambda n: np.arange(n + 1), [((3,), np.array([0, 1, 2]))], "hint")


def test_chapter06_ensemble_log_prob_checker():
    """The ensemble exercise (moved from chapter 05) accepts log-mean-exp and rejects the usual mistakes."""
    import math

    import torch

    from genlib.exercises import ch06

    assert ch06.check_ensemble_log_prob(lambda lp: torch.logsumexp(lp, 0) - math.log(lp.shape[0]))
    assert not ch06.check_ensemble_log_prob(lambda lp: lp.mean(0))  # mean of the logs: Jensen's lower bound
    assert not ch06.check_ensemble_log_prob(lambda lp: lp.exp().mean(0).log())  # underflows to -inf
    assert not ch06.check_ensemble_log_prob(lambda lp: torch.logsumexp(lp, 0))  # forgets the 1/K


def test_chapter05_rnade_checkers_accept_right_and_reject_wrong_answers():
    import math

    import torch

    from genlib.exercises import ch05

    def mixture(x, log_alpha, mu, log_sigma):
        z = (x[:, None] - mu) / log_sigma.exp()
        return torch.logsumexp(log_alpha - 0.5 * z**2 - log_sigma - 0.5 * math.log(2 * math.pi), -1)

    def mean_of_logs(x, log_alpha, mu, log_sigma):  # averages log densities instead of densities
        z = (x[:, None] - mu) / log_sigma.exp()
        return (log_alpha.exp() * (-0.5 * z**2 - log_sigma - 0.5 * math.log(2 * math.pi))).sum(-1)

    def underflows(x, log_alpha, mu, log_sigma):  # right formula, computed as exp then log
        z = (x[:, None] - mu) / log_sigma.exp()
        return (
            (log_alpha.exp() * torch.exp(-0.5 * z**2) / (log_sigma.exp() * math.sqrt(2 * math.pi)))
            .sum(-1)
            .log()
        )

    assert ch05.check_mixture_log_density(mixture)
    assert not ch05.check_mixture_log_density(mean_of_logs)
    assert not ch05.check_mixture_log_density(underflows)
    assert not ch05.check_mixture_log_density(lambda *a: None)

    def bound(log_density, D, levels):
        return (-log_density + D * math.log(levels)) / (D * math.log(2))

    assert ch05.check_bits_per_dim_bound(bound)
    assert not ch05.check_bits_per_dim_bound(lambda ld, D, L: -ld / (D * math.log(2)))  # the density's rate
    assert not ch05.check_bits_per_dim_bound(lambda ld, D, L: (-ld + D * math.log(L)) / D)  # nats, not bits


def test_chapter_08_checkers_accept_right_answers_and_reject_wrong_ones():
    import torch

    from genlib.exercises import ch08
    from genlib.models.gated_pixelcnn import gate, shift_down

    assert ch08.check_pixelcnn_sees(ch08.pixelcnn_sees)
    assert not ch08.check_pixelcnn_sees(lambda u, v, L: u > 0 or v < 0)  # no blind spot: every earlier pixel
    assert not ch08.check_pixelcnn_sees(lambda u, v, L: ch08.pixelcnn_sees(u, v, L + 1))  # one layer too many
    assert ch08.check_shift_down(shift_down)
    assert ch08.check_shift_down(lambda v: torch.nn.functional.pad(v, (0, 0, 1, 0))[:, :, :-1])
    rolled = ch08.check_shift_down(lambda v: torch.roll(v, 1, 2))
    assert not rolled and "wraps" in repr(rolled)
    assert not ch08.check_shift_down(lambda v: v)
    assert ch08.check_gate(gate)
    assert not ch08.check_gate(lambda a: torch.sigmoid(a.chunk(2, 1)[0]) * torch.tanh(a.chunk(2, 1)[1]))
    assert not ch08.check_gate(lambda a: torch.tanh(a))  # no split
    assert ch08.check_full_pass_ratio(784) and not ch08.check_full_pass_ratio(784**2)
    assert not ch08.check_full_pass_ratio(28)


def test_chapter_08_blind_spot_formula_matches_the_gradients_of_a_pixelcnn():
    """The closed form behind exercise 1 against the receptive field of real PixelCNNs, pixel by pixel."""
    import torch

    from genlib.exercises import ch08
    from genlib.models import PixelCNN
    from genlib.models.pixel import receptive_field

    r, c = 10, 7
    for layers in (1, 2, 4):
        torch.manual_seed(0)
        seen = receptive_field(PixelCNN((1, 15, 15), layers=layers, hidden=8), r, c, n=8)[0] > 0
        want = torch.tensor(
            [[ch08.pixelcnn_sees(r - i, j - c, layers) for j in range(15)] for i in range(15)]
        )
        assert torch.equal(seen, want), f"{layers} layers: {(seen != want).sum().item()} pixels differ"


def test_chapter_01_bernoulli_checker_accepts_n1_over_n_and_speaks_of_theta():
    """Exercise 3: N1 / N passes, the fraction of zeros fails, and the hint uses the chapter's theta."""
    from genlib.exercises import ch01

    assert ch01.check_bernoulli_mle(lambda flips: sum(flips) / len(flips))
    wrong = ch01.check_bernoulli_mle(lambda flips: 1 - sum(flips) / len(flips))
    assert not wrong and "theta" in str(wrong) and " p " not in str(wrong)
